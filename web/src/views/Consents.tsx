// A person's consents, and recording a new one through recordConsent (the same on a customer's
// and a contact's page). The history is kept: a new record for a channel and purpose supersedes
// the older ones without deleting them.
import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { Card, generalProblems, problemFor, TextField, type Problem } from "../components";
import { date, humanize } from "../entities";
import { graphql } from "../gql";
import type { ConsentChannel } from "../gql/graphql";
import { useSession } from "../session";

const RecordConsentDocument = graphql(`
  mutation RecordConsent($input: RecordConsentInput!) {
    recordConsent(input: $input) {
      consent {
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

const CHANNELS: [ConsentChannel, string][] = [
  ["EMAIL", "E-mail"],
  ["PHONE", "Phone"],
  ["SMS", "Text message"],
  ["POST", "Post"],
];

export interface ConsentRow {
  id: string;
  channel: ConsentChannel;
  purpose: string;
  granted: boolean;
  recordedAt: string;
  source?: string | null;
}

function RecordConsentForm({ subjectId, onDone }: { subjectId: string; onDone: (saved: boolean) => void }) {
  const [channel, setChannel] = useState<ConsentChannel>("EMAIL");
  const [purpose, setPurpose] = useState("");
  const [granted, setGranted] = useState(true);
  const [source, setSource] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const base = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems([]);
    try {
      const { recordConsent } = await request(RecordConsentDocument, {
        input: { subjectId, channel, purpose, granted, source: source || null },
      });
      if (recordConsent.errors.length > 0) setProblems(recordConsent.errors);
      else onDone(true);
    } catch (e) {
      setProblems([{ message: e instanceof Error ? e.message : String(e) }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Record a consent">
      <div className="field">
        <label htmlFor={`${base}-channel`}>Channel</label>
        <select id={`${base}-channel`} value={channel} onChange={(e) => setChannel(e.target.value as ConsentChannel)}>
          {CHANNELS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <TextField id={`${base}-purpose`} label="Purpose" value={purpose} onChange={setPurpose} error={problemFor(problems, "purpose")?.message} />
      <fieldset className="choice">
        <legend>Answer</legend>
        <span>
          <label>
            <input type="radio" name={`${base}-granted`} checked={granted} onChange={() => setGranted(true)} /> Given
          </label>{" "}
          <label>
            <input type="radio" name={`${base}-granted`} checked={!granted} onChange={() => setGranted(false)} /> Refused or
            withdrawn
          </label>
        </span>
      </fieldset>
      <TextField id={`${base}-source`} label="Source" value={source} onChange={setSource} error={problemFor(problems, "source")?.message} />
      {generalProblems(problems, ["purpose", "source"]).map((p) => (
        <p key={p.message} role="alert" className="error">
          {p.message}
        </p>
      ))}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          Save consent
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function ConsentsCard({
  subjectId,
  consents,
  reload,
}: {
  subjectId: string;
  consents: readonly ConsentRow[];
  reload: () => void;
}) {
  const { viewer } = useSession();
  const [recording, setRecording] = useState(false);
  const label = (channel: ConsentChannel) => CHANNELS.find(([c]) => c === channel)?.[1] ?? humanize(channel);
  return (
    <Card title="Consents">
      {consents.length === 0 ? (
        <p className="muted">No consent recorded.</p>
      ) : (
        <ul className="plain" aria-label="Consent records">
          {consents.map((k) => (
            <li key={k.id}>
              <span className={k.granted ? "yes" : "no"}>{k.granted ? "Granted" : "Refused"}</span> {label(k.channel)} for{" "}
              {k.purpose}{" "}
              <span className="muted">
                ({date(k.recordedAt)}
                {k.source ? `, ${k.source}` : ""})
              </span>
            </li>
          ))}
        </ul>
      )}
      {viewer?.role !== "ANALYST" &&
        (recording ? (
          <RecordConsentForm
            subjectId={subjectId}
            onDone={(saved) => {
              setRecording(false);
              if (saved) reload();
            }}
          />
        ) : (
          <button type="button" onClick={() => setRecording(true)}>
            Record a consent
          </button>
        ))}
    </Card>
  );
}
