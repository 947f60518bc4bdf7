import { Failure, Loading } from "../components";
import { date, entityPath, humanize, money } from "../entities";
import { graphql } from "../gql";
import { Link } from "../router";
import { useQuery } from "../useQuery";

const MyAccountsDocument = graphql(`
  query MyAccounts($first: Int!) {
    me {
      id
      name
      role
      accounts(first: $first, orderBy: [{ field: TOTAL_SPENT, direction: DESC }]) {
        totalCount
        edges {
          node {
            id
            name
            lifecycleStage
            totalSpent
            lastOrderAt
            lastInteractionAt
            churnRisk {
              atRisk
            }
          }
        }
      }
    }
  }
`);

export function HomeView() {
  const { data, error, loading, reload } = useQuery(MyAccountsDocument, { first: 100 });
  const me = data?.me;
  return (
    <section>
      <h1>My accounts</h1>
      {loading && <Loading what="your accounts" />}
      {error && <Failure error={error} reload={reload} />}
      {data && !me && <p>This key does not belong to a user, so it manages no accounts.</p>}
      {me && me.accounts.totalCount === 0 && (
        <p>
          You manage no accounts. Search above, or look at the <Link to="/lists/at-risk">at-risk customers</Link>.
        </p>
      )}
      {me && me.accounts.totalCount > 0 && (
        <>
          <p className="muted">
            {me.accounts.totalCount} accounts managed by {me.name}, biggest first
            {me.accounts.totalCount > me.accounts.edges.length ? ` (the first ${me.accounts.edges.length} shown)` : ""}.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Stage</th>
                <th scope="col" className="num">Spent</th>
                <th scope="col">Last order</th>
                <th scope="col">Last interaction</th>
                <th scope="col">Churn</th>
              </tr>
            </thead>
            <tbody>
              {me.accounts.edges.map(({ node: c }) => (
                <tr key={c.id}>
                  <td>
                    <Link to={entityPath("Customer", c.id)}>{c.name}</Link>
                  </td>
                  <td>{humanize(c.lifecycleStage)}</td>
                  <td className="num">{money(c.totalSpent)}</td>
                  <td>{date(c.lastOrderAt)}</td>
                  <td>{date(c.lastInteractionAt)}</td>
                  <td>{c.churnRisk.atRisk ? <span className="badge badge-danger">at risk</span> : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
