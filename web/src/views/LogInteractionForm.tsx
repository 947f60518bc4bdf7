// Log a call, meeting or e-mail with this person or account through logInteraction.
import { useId, useState, type FormEvent, type ReactNode } from "react";

import { request } from "../api";
import { Card, TextField } from "../components";
import { date, humanize } from "../entities";
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

  const field = (name: string, label: string, value: string, set: (v: string) => void, multiline = false) => (
    <TextField id={`${base}-${name}`} label={label} value={value} onChange={set} error={errorFor(name)} multiline={multiline} />
  );

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

export interface TimelineItem {
  id: string;
  kind: InteractionKind;
  occurredAt: string;
  subject?: string | null;
  summary?: string | null;
  outcome?: string | null;
  loggedBy?: { name: string } | null;
}

/** The interactions card of a customer's or contact's page: log one, and the timeline, newest first. */
export function InteractionsCard({
  participantId,
  items,
  reload,
  children,
}: {
  participantId: string;
  items: readonly TimelineItem[];
  reload: () => void;
  children?: ReactNode;
}) {
  return (
    <Card title="Interactions" className="wide">
      {children}
      <LogInteractionForm participantId={participantId} onLogged={reload} />
      {items.length === 0 ? (
        <p className="muted">No interaction recorded.</p>
      ) : (
        <ol className="timeline" aria-label="Interaction timeline">
          {items.map((i) => (
            <li key={i.id}>
              <p>
                <span className="kind">{humanize(i.kind)}</span> <time dateTime={i.occurredAt}>{date(i.occurredAt)}</time>
                {i.loggedBy && <span className="muted"> · logged by {i.loggedBy.name}</span>}
              </p>
              {i.subject && <p className="subject">{i.subject}</p>}
              {i.summary && <p>{i.summary}</p>}
              {i.outcome && <p className="muted">Outcome: {i.outcome}</p>}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
