// Log a call, meeting or e-mail with this person or account through logInteraction.
import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { graphql } from "../gql";
import type { InteractionKind } from "../gql/graphql";
import { useSession } from "../session";

const LogInteractionDocument = graphql(`
  mutation LogInteraction($input: LogInteractionInput!) {
    logInteraction(input: $input) {
      interaction {
        id
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const KINDS: InteractionKind[] = ["CALL", "EMAIL", "MEETING", "VIDEO_CALL", "CHAT", "SUPPORT_TICKET", "COMPLAINT", "SURVEY"];

export function LogInteractionForm({ participantId, onLogged }: { participantId: string; onLogged: () => void }) {
  const { viewer } = useSession();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<InteractionKind>("CALL");
  const [subject, setSubject] = useState("");
  const [summary, setSummary] = useState("");
  const [outcome, setOutcome] = useState("");
  const [problems, setProblems] = useState<{ field?: string[] | null; message: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const base = useId();

  if (viewer?.role === "ANALYST") return null; // read-only role: the mutation would be refused
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Log an interaction
      </button>
    );

  const errorFor = (name: string) => problems.find((p) => p.field?.[p.field.length - 1] === name)?.message;
  const general = problems.filter((p) => !p.field || !["subject", "summary", "outcome", "kind"].includes(p.field[p.field.length - 1] ?? ""));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems([]);
    try {
      const { logInteraction } = await request(LogInteractionDocument, {
        input: {
          kind,
          participantIds: [participantId],
          subject: subject || null,
          summary: summary || null,
          outcome: outcome || null,
          loggedById: viewer?.id ?? null,
        },
      });
      if (logInteraction.errors.length > 0) {
        setProblems(logInteraction.errors);
      } else {
        setOpen(false);
        setSubject("");
        setSummary("");
        setOutcome("");
        onLogged();
      }
    } catch (e) {
      setProblems([{ message: e instanceof Error ? e.message : String(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string, label: string, value: string, set: (v: string) => void, multiline = false) => {
    const id = `${base}-${name}`;
    const error = errorFor(name);
    const props = {
      id,
      value,
      "aria-invalid": error ? true : undefined,
      "aria-describedby": error ? `${id}-error` : undefined,
    };
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        {multiline ? (
          <textarea {...props} rows={3} onChange={(e) => set(e.target.value)} />
        ) : (
          <input {...props} onChange={(e) => set(e.target.value)} />
        )}
        {error && (
          <span id={`${id}-error`} className="field-error">
            {error}
          </span>
        )}
      </div>
    );
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Log an interaction">
      <div className="field">
        <label htmlFor={`${base}-kind`}>Kind</label>
        <select id={`${base}-kind`} value={kind} onChange={(e) => setKind(e.target.value as InteractionKind)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k.charAt(0) + k.slice(1).toLowerCase().replace("_", " ")}
            </option>
          ))}
        </select>
      </div>
      {field("subject", "Subject", subject, setSubject)}
      {field("summary", "Summary", summary, setSummary, true)}
      {field("outcome", "Outcome", outcome, setOutcome)}
      {general.map((p) => (
        <p key={p.message} role="alert" className="error">
          {p.message}
        </p>
      ))}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          Save interaction
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
