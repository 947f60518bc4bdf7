import { useState, type ReactNode } from "react";

import { AddressValue, Card, Facts, Failure, Loading, Value } from "../components";
import { date, entityPath, humanize, money } from "../entities";
import { graphql } from "../gql";
import type { CustomerPageQuery, CustomerRecommendationsQuery } from "../gql/graphql";
import { Link } from "../router";
import { useQuery, type QueryState } from "../useQuery";
import { ContactDetailsEditor } from "./ContactDetailsForm";
import { ConsentsCard } from "./Consents";
import { InteractionsCard } from "./LogInteractionForm";
import { LiveNotice, useLiveRecord } from "../live";
import { useSession } from "../session";

export const CustomerPageDocument = graphql(`
  query CustomerPage($id: ID!) {
    node(id: $id) {
      __typename
      ... on Customer {
        ...CustomerProfile
        leadScore
        updatedAt
        address {
          line1
          postalCode
        }
        averageOrderValue
        firstOrderAt
        lastInteractionAt
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
        orders(first: 10, orderBy: [{ field: PLACED_AT, direction: DESC }]) {
          totalCount
          edges {
            node {
              id
              externalId
              placedAt
              status
              currency
              total
              lines {
                quantity
                product {
                  name
                }
              }
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
              sentiment
              loggedBy {
                name
              }
            }
          }
        }
        churnRisk {
          atRisk
          daysSinceLastOrder
          medianGapDays
          riskScore
          orderCount
        }
        referredBy {
          referredAt
          channel
        }
        referralChain {
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
        referrals(depth: 4, first: 100) {
          totalCount
          edges {
            node {
              depth
              referrer {
                __typename
                ... on Customer {
                  id
                }
                ... on Contact {
                  id
                }
              }
              referred {
                id
                name
                totalSpent
              }
            }
          }
        }
        referralNetwork {
          size
          depth
          revenue
        }
      }
    }
  }
`);

// The second request of the page: recommendations cost more than the rest of the page together
// (they look at what other customers bought), so the page shows first and they follow. The page
// asks the approximate mode (at most 150 co-buyers per product: the same answer unless a product
// has more; exact scores of a best seller's buyer took seconds at a million customers, or were
// refused), and the card offers the exact scores on request.
export const CustomerRecommendationsDocument = graphql(`
  query CustomerRecommendations($id: ID!, $approximate: Boolean!) {
    node(id: $id) {
      __typename
      ... on Customer {
        id
        kind
        recommendations(first: 5, approximate: $approximate) {
          score
          basis
          product {
            id
            sku
            name
            price
            currency
          }
          boughtWith {
            sku
            name
          }
        }
      }
    }
  }
`);

type Customer = Extract<NonNullable<CustomerPageQuery["node"]>, { __typename: "Customer" }>;

function Recommendations({
  state,
  exact,
  askExact,
}: {
  state: QueryState<CustomerRecommendationsQuery>;
  exact: boolean;
  askExact: () => void;
}) {
  const { data, error, loading, reload } = state;
  const c = data?.node?.__typename === "Customer" ? data.node : null;
  return (
    <Card title="Recommendations">
      {loading && (!data || exact) && (
        <p className="muted">{exact ? "Counting every co-buyer…" : "Working out what to offer…"}</p>
      )}
      {error && <Failure error={error} reload={reload} />}
      {c && c.recommendations.length === 0 && <p className="muted">Nothing to recommend yet.</p>}
      {c && c.recommendations.length > 0 && (
        <ol>
          {c.recommendations.map((r) => (
            <li key={r.product.id}>
              <strong>{r.product.name}</strong>{" "}
              <span className="muted">
                ({r.product.sku}, {money(r.product.price, r.product.currency)})
              </span>
              <br />
              <span className="muted">
                {r.basis === "BEST_SELLER"
                  ? `a best seller with ${c.kind === "BUSINESS" ? "business" : "individual"} customers (score ${r.score})`
                  : `score ${r.score}; bought with ${r.boughtWith.map((p) => p.name).join(", ") || "—"}`}
              </span>
            </li>
          ))}
        </ol>
      )}
      {c && !exact && c.recommendations.some((r) => r.basis !== "BEST_SELLER") && (
        <p className="muted">
          Scores count up to 150 other buyers of each product.{" "}
          <button type="button" onClick={askExact}>
            Exact scores
          </button>
        </p>
      )}
      {c && exact && !loading && <p className="muted">Exact scores: every other buyer counted.</p>}
    </Card>
  );
}
type Referral = Customer["referrals"]["edges"][number]["node"];

export function ChurnBadge({ risk }: { risk: Customer["churnRisk"] }) {
  if (risk.orderCount < 3)
    return <span className="badge badge-neutral">Churn risk: too few orders to tell ({risk.orderCount})</span>;
  const numbers = `${Math.round(risk.daysSinceLastOrder ?? 0)} days since the last order; median gap ${Math.round(
    risk.medianGapDays ?? 0,
  )} days; score ${(risk.riskScore ?? 0).toFixed(1)}`;
  return risk.atRisk ? (
    <span className="badge badge-danger">At risk · {numbers}</span>
  ) : (
    <span className="badge badge-ok">Not at risk · {numbers}</span>
  );
}

function ReferralTree({ rootId, referrals }: { rootId: string; referrals: Referral[] }) {
  const children = new Map<string, Referral[]>();
  for (const r of referrals) {
    const list = children.get(r.referrer.id) ?? [];
    list.push(r);
    children.set(r.referrer.id, list);
  }
  const render = (id: string, seen: Set<string>): ReactNode => {
    const list = children.get(id);
    if (!list || seen.has(id)) return null;
    const next = new Set(seen).add(id);
    return (
      <ul>
        {list.map((r) => (
          <li key={r.referred.id}>
            <Link to={entityPath("Customer", r.referred.id)}>{r.referred.name}</Link>{" "}
            <span className="muted">{money(r.referred.totalSpent)}</span>
            {render(r.referred.id, next)}
          </li>
        ))}
      </ul>
    );
  };
  return <div className="tree">{render(rootId, new Set())}</div>;
}

export function CustomerView({ id }: { id: string }) {
  const { data, error, loading, reload } = useQuery(CustomerPageDocument, { id });
  const live = useLiveRecord(id, useSession().token, reload);
  // Asked at the same time as the page, not after it.
  const [exact, setExact] = useState<string | null>(null); // the customer asked exactly
  const recommendations = useQuery(CustomerRecommendationsDocument, { id, approximate: exact !== id });
  if (loading && !data) return <Loading what="the customer" />;
  if (error) return <Failure error={error} reload={reload} />;
  const c = data?.node;
  if (!c || c.__typename !== "Customer")
    return (
      <section>
        <h1>Customer not found</h1>
        <p>It may have been merged or erased, or the link is wrong.</p>
      </section>
    );
  const masked = c.maskedFields;
  return (
    <article className="entity">
      <header className="entity-head">
        <p className="eyebrow">
          {c.kind === "BUSINESS" ? "Business customer" : "Individual customer"} · {c.externalId}
        </p>
        <h1>{c.name}</h1>
        <LiveNotice notice={live} />
        <p className="badges">
          <span className={`badge stage-${c.lifecycleStage}`}>{humanize(c.lifecycleStage)}</span>
          <ChurnBadge risk={c.churnRisk} />
        </p>
        <p className="actions">
          <Link to={`/graph/${encodeURIComponent(c.id)}`}>Relationship graph</Link>
          <Link to={`/introduce?to=${encodeURIComponent(c.id)}`}>Find a warm introduction</Link>
          {c.company && <Link to={entityPath("Company", c.company.id)}>Company: {c.company.name}</Link>}
        </p>
      </header>
      <div className="grid">
        <Card title="Profile">
          <Facts
            rows={[
              ["E-mail", <Value field="email" masked={masked}>{c.email}</Value>],
              ["Phone", <Value field="phone" masked={masked}>{c.phone}</Value>],
              ["Address", <AddressValue address={c.address} masked={masked} />],
              ["Lead source", c.leadSource ?? <span className="muted">not recorded</span>],
              ["Lead score", c.leadScore ?? <span className="muted">not scored</span>],
              [
                "Account manager",
                c.accountManager ? c.accountManager.name : <span className="muted">none</span>,
              ],
              ["Tags", c.tags.edges.length ? c.tags.edges.map((e) => <span key={e.node.id} className="tag">{e.node.name}</span>) : <span className="muted">none</span>],
            ]}
          />
          <ContactDetailsEditor kind="Customer" record={c} reload={reload} />
        </Card>
        <ConsentsCard subjectId={c.id} consents={c.consents} reload={reload} />
        <Card title="Orders">
          <Facts
            rows={[
              ["Orders", c.orderCount],
              ["Total spent", money(c.totalSpent)],
              ["Average order", money(c.averageOrderValue)],
              ["First / last order", `${date(c.firstOrderAt)} / ${date(c.lastOrderAt)}`],
            ]}
          />
          {c.orders.edges.length > 0 && (
            <table>
              <caption className="sr-only">Latest orders</caption>
              <thead>
                <tr>
                  <th scope="col">Placed</th>
                  <th scope="col">Order</th>
                  <th scope="col">Items</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">Total</th>
                </tr>
              </thead>
              <tbody>
                {c.orders.edges.map(({ node: o }) => (
                  <tr key={o.id}>
                    <td>{date(o.placedAt)}</td>
                    <td>{o.externalId ?? "—"}</td>
                    <td>{o.lines.map((l) => `${l.quantity}× ${l.product.name}`).join(", ")}</td>
                    <td>{humanize(o.status)}</td>
                    <td className="num">{money(o.total, o.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {c.orders.totalCount > c.orders.edges.length && (
            <p className="muted">Latest {c.orders.edges.length} of {c.orders.totalCount} orders.</p>
          )}
        </Card>
        <InteractionsCard participantId={c.id} items={c.interactions.edges.map((e) => e.node)} reload={reload}>
          <p className="muted">Last interaction: {date(c.lastInteractionAt)}</p>
        </InteractionsCard>
        <Recommendations state={recommendations} exact={exact === id} askExact={() => setExact(id)} />
        <Card title="Referrals">
          <h3>Referred by</h3>
          {c.referralChain.length === 0 ? (
            <p className="muted">Not referred.</p>
          ) : (
            <ol className="chain" aria-label="Referral chain">
              {c.referralChain.map((r) => (
                <li key={r.id}>
                  <Link to={entityPath(r.__typename, r.id)}>{r.__typename === "Contact" ? r.fullName : r.name}</Link>
                </li>
              ))}
            </ol>
          )}
          {c.referredBy && (
            <p className="muted">
              {date(c.referredBy.referredAt)}
              {c.referredBy.channel ? ` via ${c.referredBy.channel}` : ""}
            </p>
          )}
          <h3>Brought in</h3>
          <p>
            {c.referralNetwork.size} customers downstream, {c.referralNetwork.depth} levels deep, {money(c.referralNetwork.revenue)} revenue
          </p>
          <ReferralTree rootId={c.id} referrals={c.referrals.edges.map((e) => e.node)} />
          {c.referrals.totalCount > c.referrals.edges.length && (
            <p className="muted">
              The first {c.referrals.edges.length} of {c.referrals.totalCount} customers four levels down.
            </p>
          )}
        </Card>
      </div>
    </article>
  );
}
