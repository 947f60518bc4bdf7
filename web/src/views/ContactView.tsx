
import { AddressValue, Card, Facts, Failure, Loading, Value } from "../components";
import { entityPath, humanize } from "../entities";
import { graphql } from "../gql";
import { Link } from "../router";
import { useQuery } from "../useQuery";
import { ContactDetailsEditor } from "./ContactDetailsForm";
import { ConsentsCard } from "./Consents";
import { InteractionsCard } from "./LogInteractionForm";
import { LiveNotice, useLiveRecord } from "../live";
import { useSession } from "../session";

export const ContactPageDocument = graphql(`
  query ContactPage($id: ID!) {
    node(id: $id) {
      __typename
      ... on Contact {
        ...ContactProfile
        videoHandle
        birthday
        personalNotes
        updatedAt
        address {
          line1
          postalCode
        }
        employments(first: 10) {
          edges {
            jobTitle
            department
            seniority
            decisionRole
            startedOn
            endedOn
            node {
              id
              name
            }
          }
        }
        reportsTo {
          id
          fullName
        }
        directReports(first: 20) {
          totalCount
          edges {
            node {
              id
              fullName
            }
          }
        }
        knows(first: 20) {
          totalCount
          edges {
            strength
            node {
              id
              fullName
              currentCompany {
                name
              }
            }
          }
        }
        consents {
          id
          channel
          purpose
          granted
          recordedAt
          source
        }
        tags(first: 20) {
          edges {
            node {
              id
              name
            }
          }
        }
        interactions(first: 20, orderBy: [{ field: OCCURRED_AT, direction: DESC }]) {
          totalCount
          edges {
            node {
              id
              kind
              occurredAt
              subject
              summary
              outcome
              loggedBy {
                name
              }
            }
          }
        }
      }
    }
  }
`);

export function ContactView({ id }: { id: string }) {
  const { data, error, loading, reload } = useQuery(ContactPageDocument, { id });
  const live = useLiveRecord(id, useSession().token, reload);
  if (loading && !data) return <Loading what="the contact" />;
  if (error) return <Failure error={error} reload={reload} />;
  const p = data?.node;
  if (!p || p.__typename !== "Contact")
    return (
      <section>
        <h1>Contact not found</h1>
      </section>
    );
  const masked = p.maskedFields;
  const current = p.employments.edges.filter((e) => !e.endedOn);
  const former = p.employments.edges.filter((e) => e.endedOn);
  return (
    <article className="entity">
      <header className="entity-head">
        <p className="eyebrow">
          Contact
          {current[0] ? ` · ${current[0].jobTitle ?? "works"} at ${current[0].node.name}` : ""}
        </p>
        <h1>{p.fullName}</h1>
        <LiveNotice notice={live} />
        <p className="actions">
          <Link to={`/graph/${encodeURIComponent(p.id)}`}>Relationship graph</Link>
          <Link to={`/introduce?to=${encodeURIComponent(p.id)}`}>Find a warm introduction</Link>
          {current.map((e) => (
            <Link key={e.node.id} to={entityPath("Company", e.node.id)}>
              Company: {e.node.name}
            </Link>
          ))}
        </p>
      </header>
      <div className="grid">
        <Card title="Profile">
          <Facts
            rows={[
              ["E-mail", <Value field="email" masked={masked}>{p.email}</Value>],
              ["Phone", <Value field="phone" masked={masked}>{p.phone}</Value>],
              ["Video", <Value field="videoHandle" masked={masked}>{p.videoHandle}</Value>],
              ["Birthday", <Value field="birthday" masked={masked}>{p.birthday}</Value>],
              ["Personal notes", <Value field="personalNotes" masked={masked}>{p.personalNotes}</Value>],
              ["Address", <AddressValue address={p.address} masked={masked} />],
              ["Tags", p.tags.edges.length ? p.tags.edges.map((e) => <span key={e.node.id} className="tag">{e.node.name}</span>) : <span className="muted">none</span>],
            ]}
          />
          <ContactDetailsEditor kind="Contact" record={p} reload={reload} />
        </Card>
        <Card title="Work">
          <ul className="plain">
            {current.map((e) => (
              <li key={e.node.id}>
                {e.jobTitle ?? "Works"} at <Link to={entityPath("Company", e.node.id)}>{e.node.name}</Link>
                <span className="muted">
                  {" "}
                  {[e.department, humanize(e.seniority), e.decisionRole && humanize(e.decisionRole)].filter(Boolean).join(" · ")}
                </span>
              </li>
            ))}
            {former.map((e) => (
              <li key={e.node.id} className="muted">
                Formerly {e.jobTitle ?? ""} at <Link to={entityPath("Company", e.node.id)}>{e.node.name}</Link> (until {e.endedOn})
              </li>
            ))}
          </ul>
          <p>
            Reports to:{" "}
            {p.reportsTo ? <Link to={entityPath("Contact", p.reportsTo.id)}>{p.reportsTo.fullName}</Link> : <span className="muted">nobody recorded</span>}
          </p>
          {p.directReports.totalCount > 0 && (
            <p>
              Direct reports ({p.directReports.totalCount}):{" "}
              {p.directReports.edges.map((e, i) => (
                <span key={e.node.id}>
                  {i > 0 && ", "}
                  <Link to={entityPath("Contact", e.node.id)}>{e.node.fullName}</Link>
                </span>
              ))}
            </p>
          )}
        </Card>
        <Card title="Knows">
          {p.knows.edges.length === 0 ? (
            <p className="muted">No acquaintance recorded.</p>
          ) : (
            <ul className="plain">
              {p.knows.edges.map((e) => (
                <li key={e.node.id}>
                  <Link to={entityPath("Contact", e.node.id)}>{e.node.fullName}</Link>
                  <span className="muted">
                    {e.node.currentCompany ? ` · ${e.node.currentCompany.name}` : ""}
                    {e.strength !== null && e.strength !== undefined ? ` · strength ${e.strength.toFixed(1)}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <ConsentsCard subjectId={p.id} consents={p.consents} reload={reload} />
        <InteractionsCard participantId={p.id} items={p.interactions.edges.map((e) => e.node)} reload={reload} />
      </div>
    </article>
  );
}
