// Edit an e-mail address and a phone number through updateCustomer / updateContact.
// Field errors appear beside their field; a version conflict says who changed what and when
// (from the record's audit log when the role may read it, else from the record itself) and
// offers to reload.
import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { generalProblems, isMasked, problemFor, TextField, type Problem } from "../components";
import { dateTime } from "../entities";
import { graphql } from "../gql";
import type { EditConflictQuery } from "../gql/graphql";
import { useSession } from "../session";

const UpdateCustomerDocument = graphql(`
  mutation UpdateCustomerDetails($input: UpdateCustomerInput!) {
    updateCustomer(input: $input) {
      customer {
        id
        version
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const UpdateContactDocument = graphql(`
  mutation UpdateContactDetails($input: UpdateContactInput!) {
    updateContact(input: $input) {
      contact {
        id
        version
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

// Asked only after a VERSION_CONFLICT: the record as it is now and, for the roles that may read
// it (MANAGER, ADMIN), its latest audit events: who changed what, and when.
const EditConflictDocument = graphql(`
  query EditConflict($id: ID!, $withAudit: Boolean!) {
    node(id: $id) {
      __typename
      ... on Customer {
        id
        version
        updatedAt
        email
        phone
      }
      ... on Contact {
        id
        version
        updatedAt
        email
        phone
      }
    }
    auditLog(entityId: $id, first: 10) @include(if: $withAudit) {
      edges {
        node {
          id
          at
          actorEmail
          action
          changes
        }
      }
    }
  }
`);

/** The record as this page loaded it. */
export interface Editable {
  id: string;
  version: number;
  updatedAt: string;
  email: string | null | undefined;
  phone: string | null | undefined;
  maskedFields: readonly string[];
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface ChangeBy {
  who: string | null;
  at: string;
  fields: FieldChange[];
}

const SAME_WRITE_MS = 2000;

/** What happened to the record since `loaded`: one entry per change we can name. */
export function describeConflict(loaded: Editable, data: EditConflictQuery): ChangeBy[] {
  // An event's `at` and the record's `updatedAt` are stamped by the same write a moment apart:
  // the one event closest to `updatedAt` (within SAME_WRITE_MS) made the version this page
  // loaded and is not news, nor is anything before it; every later event is, however soon it
  // followed (a colleague may save within a second of the page loading).
  const stamped = Date.parse(loaded.updatedAt);
  const all = (data.auditLog?.edges ?? []).map((e) => e.node).reverse(); // oldest first
  let made = -1;
  let closest = SAME_WRITE_MS + 1;
  all.forEach((e, i) => {
    const gap = Math.abs(Date.parse(e.at) - stamped);
    if (gap < closest) [made, closest] = [i, gap];
  });
  const events = made >= 0 ? all.slice(made + 1) : all.filter((e) => Date.parse(e.at) > stamped + SAME_WRITE_MS);
  if (events.length > 0)
    return events.map((e) => ({ who: e.actorEmail ?? null, at: e.at, fields: fieldChanges(e.changes) }));
  // No audit log to read (the role may not, or the change bypassed the API): compare the values.
  const node = data.node;
  if (!node || (node.__typename !== "Customer" && node.__typename !== "Contact")) return [];
  const fields: FieldChange[] = [];
  for (const name of ["email", "phone"] as const)
    if ((node[name] ?? null) !== (loaded[name] ?? null))
      fields.push({ field: name, before: loaded[name] ?? null, after: node[name] ?? null });
  return [{ who: null, at: node.updatedAt, fields }];
}

const HIDDEN_FIELDS = new Set(["version", "updatedAt", "createdAt"]);

function fieldChanges(raw: unknown): FieldChange[] {
  let changes = raw;
  if (typeof changes === "string") {
    try {
      changes = JSON.parse(changes) as unknown;
    } catch {
      return [];
    }
  }
  if (!changes || typeof changes !== "object") return [];
  return Object.entries(changes as Record<string, unknown>)
    .filter(([field]) => !HIDDEN_FIELDS.has(field))
    .map(([field, value]) => {
      const pair = value && typeof value === "object" ? (value as { before?: unknown; after?: unknown }) : {};
      return { field, before: pair.before ?? null, after: pair.after ?? null };
    });
}

const LABELS: Record<string, string> = { email: "e-mail", phone: "phone" };

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "nothing";
  return `“${typeof value === "string" ? value : JSON.stringify(value)}”`;
}

function ConflictMessage({ changes }: { changes: ChangeBy[] | null }) {
  return (
    <div role="alert" className="error conflict">
      <p>Someone else changed this record after you opened it, so nothing was saved.</p>
      {changes && changes.length > 0 && (
        <ul aria-label="Changes since you opened the record">
          {changes.map((c, i) => (
            <li key={`${c.at}-${i}`}>
              <strong>{c.who ?? "Another user"}</strong>{" "}
              {c.fields.length === 0
                ? "saved it"
                : `changed ${c.fields
                    .map((f) => `${LABELS[f.field] ?? f.field} from ${shown(f.before)} to ${shown(f.after)}`)
                    .join(", ")}`}{" "}
              at <time dateTime={c.at}>{dateTime(c.at)}</time>.
            </li>
          ))}
        </ul>
      )}
      <p>Reload the latest version, then make your change again.</p>
    </div>
  );
}

interface Props {
  kind: "Customer" | "Contact";
  record: Editable;
  onDone: (saved: boolean) => void;
  onReload: () => void;
}

export function ContactDetailsForm({ kind, record: current, onDone, onReload }: Props) {
  const { viewer } = useSession();
  // The version the form was opened on, kept while it is open: a live refetch of the page
  // (someone else's change) must not turn their edit into ours; the save is checked against it.
  const [record] = useState(current);
  const email = record.email ?? "";
  const phone = record.phone ?? "";
  const [values, setValues] = useState({ email, phone });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [conflict, setConflict] = useState<ChangeBy[] | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const base = useId();

  const general = generalProblems(problems, ["email", "phone"]).filter((p) => p.code !== "VERSION_CONFLICT");

  const explainConflict = async () => {
    setConflict(null); // the message shows at once; the names follow
    try {
      const withAudit = viewer?.role === "ADMIN" || viewer?.role === "MANAGER";
      setConflict(describeConflict(record, await request(EditConflictDocument, { id: record.id, withAudit })));
    } catch {
      // the plain message stands
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems([]);
    setConflict(undefined);
    const changes: { email?: string; phone?: string } = {};
    if (values.email !== email) changes.email = values.email;
    if (values.phone !== phone) changes.phone = values.phone;
    if (Object.keys(changes).length === 0) {
      setBusy(false);
      onDone(false);
      return;
    }
    try {
      const input = { id: record.id, expectedVersion: record.version, ...changes };
      const errors =
        kind === "Customer"
          ? (await request(UpdateCustomerDocument, { input })).updateCustomer.errors
          : (await request(UpdateContactDocument, { input })).updateContact.errors;
      if (errors.length === 0) onDone(true);
      else {
        setProblems(errors);
        if (errors.some((p) => p.code === "VERSION_CONFLICT")) await explainConflict();
      }
    } catch (e) {
      setProblems([{ message: e instanceof Error ? e.message : String(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const input = (name: "email" | "phone", label: string, type: string) => (
    <TextField
      id={`${base}-${name}`}
      label={label}
      type={type}
      value={values[name]}
      onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
      error={problemFor(problems, name)?.message}
    />
  );

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Edit e-mail and phone">
      {input("email", "E-mail", "email")}
      {input("phone", "Phone", "tel")}
      {conflict !== undefined && <ConflictMessage changes={conflict} />}
      {general.map((p) => (
        <p key={p.code + p.message} role="alert" className="error">
          {p.message}
        </p>
      ))}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
        {conflict !== undefined && (
          <button type="button" onClick={onReload}>
            Reload the latest version
          </button>
        )}
      </div>
    </form>
  );
}

/** The profile's edit block, the same on a customer's and a contact's page: a button that opens
 * the form, shown only when the viewer may see (and so edit) both values. */
export function ContactDetailsEditor({
  kind,
  record,
  reload,
}: {
  kind: "Customer" | "Contact";
  record: Editable;
  reload: () => void;
}) {
  const [editing, setEditing] = useState(false);
  if (isMasked("email", record.maskedFields) || isMasked("phone", record.maskedFields)) return null;
  if (!editing)
    return (
      <button type="button" onClick={() => setEditing(true)}>
        Edit e-mail and phone
      </button>
    );
  return (
    <ContactDetailsForm
      kind={kind}
      record={record}
      onDone={(saved) => {
        setEditing(false);
        if (saved) reload();
      }}
      onReload={() => {
        setEditing(false);
        reload();
      }}
    />
  );
}
