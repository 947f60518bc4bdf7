// Duplicate candidates (duplicateCandidates) and the side-by-side merge of one pair
// (mergeCustomers / mergeContacts). ADMIN and MANAGER only, as the API has it.
import { useState, type ReactNode } from "react";

import { request } from "../api";
import { Card, Failure, generalProblems, Loading, type Problem } from "../components";
import { date, entityPath, humanize, money } from "../entities";
import { graphql } from "../gql";
import type { DuplicateKind, MergePairQuery } from "../gql/graphql";
import { Link, navigate } from "../router";
import { useQuery } from "../useQuery";

const DuplicatesDocument = graphql(`
  query Duplicates($kind: DuplicateKind, $first: Int!) {
    duplicateCandidates(first: $first, kind: $kind) {
      score
      reasons
      a {
        __typename
        ... on Customer {
          id
          name
        }
        ... on Contact {
          id
          fullName
        }
      }
      b {
        __typename
        ... on Customer {
          id
          name
        }
        ... on Contact {
          id
          fullName
        }
      }
    }
  }
`);

const MergePairDocument = graphql(`
  query MergePair($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      ... on Customer {
        ...CustomerProfile
        createdAt
        mergedFrom
      }
      ... on Contact {
        ...ContactProfile
        currentCompany {
          name
        }
        createdAt
        mergedFrom
      }
    }
  }
`);

const MergeCustomersDocument = graphql(`
  mutation MergeCustomers($input: MergeCustomersInput!) {
    mergeCustomers(input: $input) {
      customer {
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

const MergeContactsDocument = graphql(`
  mutation MergeContacts($input: MergeContactsInput!) {
    mergeContacts(input: $input) {
      contact {
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

type Party = { __typename: "Customer"; id: string; name: string } | { __typename: "Contact"; id: string; fullName: string };

function partyName(p: Party): string {
  return p.__typename === "Customer" ? p.name : p.fullName;
}

function mergePath(a: string, b: string): string {
  return `/duplicates/merge?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
}

const KIND_CHOICES: [DuplicateKind | null, string][] = [
  [null, "All"],
  ["CUSTOMER", "Customers"],
  ["CONTACT", "Contacts"],
];

export function DuplicatesView({ kind }: { kind: DuplicateKind | null }) {
  const { data, error, loading, reload } = useQuery(DuplicatesDocument, { kind, first: 50 });
  return (
    <section>
      <h1>Duplicate candidates</h1>
      <p className="muted">Pairs that are probably the same person or company, most likely first. Open a pair to compare and merge it.</p>
      <p className="actions" aria-label="Which records">
        {KIND_CHOICES.map(([k, label]) => (
          <Link key={label} to={`/lists/duplicates${k ? `?kind=${k}` : ""}`} aria-current={k === kind ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </p>
      {loading && <Loading what="duplicate candidates" />}
      {error && <Failure error={error} reload={reload} />}
      {data && data.duplicateCandidates.length === 0 && <p className="muted">No likely duplicates.</p>}
      {data && data.duplicateCandidates.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Probably the same as</th>
              <th scope="col" className="num">Score</th>
              <th scope="col">Why</th>
              <th scope="col">Compare</th>
            </tr>
          </thead>
          <tbody>
            {data.duplicateCandidates.map((d) => (
              <tr key={`${d.a.id}-${d.b.id}`}>
                <td>
                  <Link to={entityPath(d.a.__typename, d.a.id)}>{partyName(d.a)}</Link>
                </td>
                <td>
                  <Link to={entityPath(d.b.__typename, d.b.id)}>{partyName(d.b)}</Link>
                </td>
                <td className="num">{d.score.toFixed(2)}</td>
                <td>{d.reasons.map((r) => humanize(r)).join(", ")}</td>
                <td>
                  <Link to={mergePath(d.a.id, d.b.id)} aria-label={`Compare ${partyName(d.a)} and ${partyName(d.b)}`}>
                    Compare
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type PairNode = NonNullable<MergePairQuery["nodes"][number]>;
type CustomerRecord = Extract<PairNode, { __typename: "Customer" }>;
type ContactRecord = Extract<PairNode, { __typename: "Contact" }>;
type Person = CustomerRecord | ContactRecord;

function isPerson(n: MergePairQuery["nodes"][number]): n is Person {
  return n?.__typename === "Customer" || n?.__typename === "Contact";
}

function shownValue(field: string, value: ReactNode, masked: readonly string[]): ReactNode {
  if (masked.includes(field)) return <span className="masked">hidden for your role</span>;
  if (value === null || value === undefined || value === "") return <span className="muted">—</span>;
  return value;
}

function rowsOf(p: Person): [string, string, ReactNode][] {
  const common: [string, string, ReactNode][] = [
    ["E-mail", "email", p.email],
    ["Phone", "phone", p.phone],
    ["City", "address.city", [p.address?.city, p.address?.country].filter(Boolean).join(", ")],
  ];
  if (p.__typename === "Customer")
    return [
      ["Name", "name", p.name],
      ["Customer number", "externalId", p.externalId],
      ["Kind", "kind", humanize(p.kind)],
      ...common,
      ["Company", "company", p.company?.name],
      ["Stage", "lifecycleStage", humanize(p.lifecycleStage)],
      ["Lead source", "leadSource", p.leadSource],
      ["Account manager", "accountManager", p.accountManager?.name],
      ["Orders", "orderCount", `${p.orderCount} (${money(p.totalSpent)})`],
      ["Last order", "lastOrderAt", date(p.lastOrderAt)],
      ["Created", "createdAt", date(p.createdAt)],
      ["Merged before", "mergedFrom", p.mergedFrom.length || null],
    ];
  return [
    ["Name", "fullName", p.fullName],
    ...common,
    ["Company", "currentCompany", p.currentCompany?.name],
    ["Created", "createdAt", date(p.createdAt)],
    ["Merged before", "mergedFrom", p.mergedFrom.length || null],
  ];
}

function nameOf(p: Person): string {
  return p.__typename === "Customer" ? p.name : p.fullName;
}

export function MergeView({ a, b }: { a: string | null; b: string | null }) {
  const ids = [a, b].filter((x): x is string => Boolean(x));
  const { data, error, loading, reload } = useQuery(MergePairDocument, { ids }, { skip: ids.length !== 2 });
  const [keep, setKeep] = useState<0 | 1>(0);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  if (ids.length !== 2)
    return (
      <section>
        <h1>Compare two records</h1>
        <p>
          Pick a pair from the <Link to="/lists/duplicates">duplicate candidates</Link>.
        </p>
      </section>
    );
  if (loading && !data) return <Loading what="the two records" />;
  if (error) return <Failure error={error} reload={reload} />;
  const pair = (data?.nodes ?? []).filter(isPerson);
  const [first, second] = pair;
  if (!first || !second || first.__typename !== second.__typename)
    return (
      <section>
        <h1>Compare two records</h1>
        <p>
          One of the two no longer exists (it may have been merged already), or they are not of the same kind.{" "}
          <Link to="/lists/duplicates">Back to the duplicate candidates</Link>.
        </p>
      </section>
    );
  const kept = keep === 0 ? first : second;
  const merged = keep === 0 ? second : first;

  const merge = async () => {
    setBusy(true);
    setProblems([]);
    const input = {
      keepId: kept.id,
      mergeId: merged.id,
      expectedVersion: kept.version,
      mergeExpectedVersion: merged.version,
    };
    try {
      const result =
        kept.__typename === "Customer"
          ? await request(MergeCustomersDocument, { input }).then((r) => ({ errors: r.mergeCustomers.errors, id: r.mergeCustomers.customer?.id }))
          : await request(MergeContactsDocument, { input }).then((r) => ({ errors: r.mergeContacts.errors, id: r.mergeContacts.contact?.id }));
      if (result.errors.length > 0) setProblems(result.errors);
      else navigate(entityPath(kept.__typename, result.id ?? kept.id));
    } catch (e) {
      setProblems([{ message: e instanceof Error ? e.message : String(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const rows = rowsOf(first).map((row, i) => [row, rowsOf(second)[i]!] as const);
  return (
    <section>
      <h1>
        Compare {nameOf(first)} and {nameOf(second)}
      </h1>
      <p className="muted">
        The kept record gets the other&apos;s {first.__typename === "Customer" ? "orders, interactions, referrals" : "jobs, org-chart links, acquaintances, interactions"}, tags and consents, and any
        value it lacks; the other is then deleted.
      </p>
      <Card title="Side by side" className="wide">
        <table className="compare">
          <thead>
            <tr>
              <th scope="col">Field</th>
              {[first, second].map((p, i) => (
                <th key={p.id} scope="col">
                  <label>
                    <input type="radio" name="keep" checked={keep === i} onChange={() => setKeep(i === 0 ? 0 : 1)} /> Keep{" "}
                    {nameOf(p)}
                  </label>
                  <br />
                  <Link to={entityPath(p.__typename, p.id)} className="muted" aria-label={`Open ${nameOf(p)}`}>
                    open
                  </Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(([[label, field, left], [, , right]]) => {
              const differ = String(left ?? "") !== String(right ?? "");
              return (
                <tr key={label} className={differ ? "differ" : undefined}>
                  <th scope="row">{label}</th>
                  <td>{shownValue(field, left, first.maskedFields)}</td>
                  <td>{shownValue(field, right, second.maskedFields)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {generalProblems(problems, []).map((p) => (
          <p key={p.message} role="alert" className="error">
            {p.message}
          </p>
        ))}
        <div className="buttons">
          <button type="button" disabled={busy} onClick={() => void merge()}>
            Merge {nameOf(merged)} into {nameOf(kept)}
          </button>
          {problems.some((p) => p.code === "VERSION_CONFLICT") && (
            <button type="button" onClick={reload}>
              Reload both records
            </button>
          )}
        </div>
      </Card>
    </section>
  );
}
