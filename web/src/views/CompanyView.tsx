import { useMemo } from "react";

import { Card, Facts, Failure, Loading } from "../components";
import { entityPath, humanize, money } from "../entities";
import { graphql } from "../gql";
import { Graph, Legend, type GraphEdge, type GraphNode } from "../Graph";
import { Link, navigate } from "../router";
import { useQuery } from "../useQuery";
import { LiveNotice, useLiveRecord } from "../live";
import { useSession } from "../session";

export const CompanyPageDocument = graphql(`
  query CompanyPage($id: ID!, $current: Boolean!) {
    node(id: $id) {
      __typename
      ... on Company {
        id
        name
        domain
        industry
        legalForm
        registrationNumber
        employeeCount
        annualRevenue
        currency
        address {
          city
          country
        }
        customer {
          id
          name
          lifecycleStage
        }
        contacts(first: 300, current: $current) {
          totalCount
          edges {
            jobTitle
            department
            seniority
            decisionRole
            endedOn
            node {
              id
              fullName
              reportsTo {
                id
              }
            }
          }
        }
        keyDecisionMakers(first: 10) {
          contact {
            id
            fullName
          }
          reasons
          span
          influence
          jobTitle
          seniority
          decisionRole
        }
      }
    }
  }
`);

const REASON_TEXT: Record<string, string> = {
  ROLE: "decision role",
  SENIORITY: "seniority",
  SPAN: "reporting span",
};

export function CompanyView({ id, former }: { id: string; former: boolean }) {
  const { data, error, loading, reload } = useQuery(CompanyPageDocument, { id, current: !former });
  const live = useLiveRecord(id, useSession().token, reload);
  const company = data?.node?.__typename === "Company" ? data.node : null;

  const chart = useMemo(() => {
    if (!company) return { nodes: [] as GraphNode[], edges: [] as GraphEdge[] };
    const deciders = new Set(company.keyDecisionMakers.map((k) => k.contact.id));
    const current = new Set(company.contacts.edges.filter((e) => !e.endedOn).map((e) => e.node.id));
    const nodes: GraphNode[] = company.contacts.edges.map((e) => ({
      id: e.node.id,
      kind: "Contact",
      label: `${e.node.fullName}${e.jobTitle ? `\n${e.jobTitle}` : ""}${e.endedOn ? "\n(former)" : ""}`,
      classes: deciders.has(e.node.id) ? ["decision-maker"] : [],
    }));
    const edges: GraphEdge[] = company.contacts.edges
      .filter((e) => e.node.reportsTo && current.has(e.node.id) && current.has(e.node.reportsTo.id))
      .map((e) => ({
        id: `${e.node.reportsTo!.id}->${e.node.id}`,
        // Drawn manager above report: the edge runs from the manager down.
        source: e.node.reportsTo!.id,
        target: e.node.id,
        kind: "REPORTS_TO",
      }));
    return { nodes, edges };
  }, [company]);

  if (loading && !data) return <Loading what="the company" />;
  if (error) return <Failure error={error} reload={reload} />;
  if (!company)
    return (
      <section>
        <h1>Company not found</h1>
      </section>
    );
  return (
    <article className="entity">
      <header className="entity-head">
        <p className="eyebrow">Company{company.industry ? ` · ${company.industry}` : ""}</p>
        <h1>{company.name}</h1>
        <LiveNotice notice={live} />
        <p className="actions">
          <Link to={`/graph/${encodeURIComponent(company.id)}`}>Relationship graph</Link>
          {company.customer && (
            <Link to={entityPath("Customer", company.customer.id)}>Customer account: {company.customer.name}</Link>
          )}
          {former ? (
            <Link to={`${entityPath("Company", company.id)}`}>Current staff only</Link>
          ) : (
            <Link to={`${entityPath("Company", company.id)}?former=1`}>Include former staff</Link>
          )}
        </p>
      </header>
      <div className="grid">
        <Card title="Profile">
          <Facts
            rows={[
              ["Domain", company.domain ?? "—"],
              ["Legal form", company.legalForm ?? "—"],
              ["Registration no.", company.registrationNumber ?? "—"],
              ["Employees", company.employeeCount ?? "—"],
              ["Annual revenue", money(company.annualRevenue, company.currency ?? "EUR")],
              ["Location", [company.address?.city, company.address?.country].filter(Boolean).join(", ") || "—"],
            ]}
          />
        </Card>
        <Card title="Key decision-makers">
          {company.keyDecisionMakers.length === 0 ? (
            <p className="muted">Nobody here decides on their own, by the documented rules.</p>
          ) : (
            <ol className="deciders" aria-label="Key decision-makers">
              {company.keyDecisionMakers.map((k) => (
                <li key={k.contact.id}>
                  <Link to={entityPath("Contact", k.contact.id)}>{k.contact.fullName}</Link>
                  {k.jobTitle && <span className="muted">, {k.jobTitle}</span>}
                  <br />
                  <span className="reasons">
                    {k.reasons.map((r) => (
                      <span key={r} className="badge badge-gold">
                        {REASON_TEXT[r] ?? r}
                      </span>
                    ))}
                  </span>{" "}
                  <span className="muted">
                    influence {k.influence.toFixed(2)}
                    {k.span > 0 ? ` · ${k.span} report to them` : ""}
                    {k.decisionRole ? ` · ${humanize(k.decisionRole)}` : ""}
                    {k.seniority ? ` · ${humanize(k.seniority)}` : ""}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </Card>
        <Card title="Org chart" className="wide">
          <p className="muted">
            {company.contacts.totalCount} {former ? "people, former staff included" : "current staff"}; key
            decision-makers have a gold ring. Select a person to open them.
          </p>
          <Graph
            nodes={chart.nodes}
            edges={chart.edges}
            layout="dagre"
            label="Org chart"
            quietEdges
            height={Math.min(640, 180 + chart.nodes.length * 12)}
            onActivate={(n) => navigate(entityPath("Contact", n.id))}
          />
          <Legend kinds={["Contact"]} relationships={["REPORTS_TO"]} />
          <p className="legend-note">
            <span className="swatch swatch-decider" aria-hidden="true" /> key decision-maker
          </p>
          <details>
            <summary>Staff list</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Title</th>
                  <th scope="col">Department</th>
                  <th scope="col">Seniority</th>
                  <th scope="col">Decision role</th>
                </tr>
              </thead>
              <tbody>
                {company.contacts.edges.map((e) => (
                  <tr key={e.node.id}>
                    <td>
                      <Link to={entityPath("Contact", e.node.id)}>{e.node.fullName}</Link>
                      {e.endedOn && <span className="muted"> (left {e.endedOn})</span>}
                    </td>
                    <td>{e.jobTitle ?? "—"}</td>
                    <td>{e.department ?? "—"}</td>
                    <td>{humanize(e.seniority)}</td>
                    <td>{humanize(e.decisionRole)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </Card>
      </div>
    </article>
  );
}
