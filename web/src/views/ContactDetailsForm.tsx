// Edit an e-mail address and a phone number through updateCustomer / updateContact.
// Field errors appear beside their field; a version conflict offers to reload.
import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { graphql } from "../gql";

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

interface Props {
  kind: "Customer" | "Contact";
  id: string;
  version: number;
  email: string;
  phone: string;
  onDone: (saved: boolean) => void;
  onReload: () => void;
}

type Problem = { field: string[] | null; code: string; message: string };

export function ContactDetailsForm({ kind, id, version, email, phone, onDone, onReload }: Props) {
  const [values, setValues] = useState({ email, phone });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const base = useId();

  const fieldError = (name: string) => problems.find((p) => p.field?.[p.field.length - 1] === name);
  const general = problems.filter((p) => !p.field || p.field.length < 2 || !["email", "phone"].includes(p.field[p.field.length - 1]!));
  const conflict = problems.some((p) => p.code === "VERSION_CONFLICT");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems([]);
    const changes: { email?: string; phone?: string } = {};
    if (values.email !== email) changes.email = values.email;
    if (values.phone !== phone) changes.phone = values.phone;
    if (Object.keys(changes).length === 0) {
      setBusy(false);
      onDone(false);
      return;
    }
    try {
      const input = { id, expectedVersion: version, ...changes };
      const errors =
        kind === "Customer"
          ? (await request(UpdateCustomerDocument, { input })).updateCustomer.errors
          : (await request(UpdateContactDocument, { input })).updateContact.errors;
      if (errors.length === 0) onDone(true);
      else setProblems(errors);
    } catch (e) {
      setProblems([{ field: null, code: "ERROR", message: e instanceof Error ? e.message : String(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const input = (name: "email" | "phone", label: string, type: string) => {
    const error = fieldError(name);
    const inputId = `${base}-${name}`;
    return (
      <div className="field">
        <label htmlFor={inputId}>{label}</label>
        <input
          id={inputId}
          type={type}
          value={values[name]}
          onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${inputId}-error` : undefined}
        />
        {error && (
          <span id={`${inputId}-error`} className="field-error">
            {error.message}
          </span>
        )}
      </div>
    );
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Edit e-mail and phone">
      {input("email", "E-mail", "email")}
      {input("phone", "Phone", "tel")}
      {general.map((p) => (
        <p key={p.code + p.message} role="alert" className="error">
          {p.code === "VERSION_CONFLICT"
            ? `Someone else changed this record after you opened it (${p.message}) Nothing was saved.`
            : p.message}
        </p>
      ))}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
        {conflict && (
          <button type="button" onClick={onReload}>
            Reload the latest version
          </button>
        )}
      </div>
    </form>
  );
}
