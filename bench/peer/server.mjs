// The peer of `make bench-peer`: @neo4j/graphql on Apollo Server, reading Rapport's stored graph.
//
// The type definitions below map @neo4j/graphql's generated API onto the labels, relationship
// types and property names of core/model.py, so the peer reads exactly the data `rapport seed`
// wrote. Money is stored as an integer number of ten-thousandths (core/money.py): the peer
// serves it as that integer (BigInt) and bench/peer/__main__.py normalises both answers.
//
// Environment: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, PORT (4000), STATS_PORT (4001). Not a product:
// no authentication (Rapport checks a bearer token on every request; the peer does not).
//
// Apollo's standalone server answers /graphql on PORT; a second listener on STATS_PORT answers
// any GET with the statements and transactions sent to Neo4j so far (counted driver-side) and
// the last few statements' text.
//
//   node server.mjs                 serve
//   node server.mjs --print-schema  print the generated SDL and exit

import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import { printSchema } from "graphql";
import neo4j from "neo4j-driver";

export const typeDefs = /* GraphQL */ `
  enum CustomerKind { INDIVIDUAL BUSINESS }
  enum LifecycleStage { LEAD PROSPECT CUSTOMER CHURNED }
  enum OrderStatus { PENDING PAID SHIPPED DELIVERED CANCELLED REFUNDED }
  enum Seniority { OWNER C_LEVEL VP DIRECTOR MANAGER SENIOR STAFF }
  enum DecisionRole { DECISION_MAKER ECONOMIC_BUYER CHAMPION INFLUENCER USER GATEKEEPER }
  enum UserRole { ADMIN MANAGER SALES ANALYST }

  type Customer @node(labels: ["Customer"]) {
    id: ID! @id
    externalId: String!
    kind: CustomerKind!
    name: String!
    email: String
    phone: String
    lifecycleStage: LifecycleStage!
    leadSource: String
    leadScore: Int
    addressLine1: String
    postalCode: String
    city: String
    region: String
    country: String
    orderCount: Int
    totalSpent: BigInt
    firstOrderAt: DateTime
    lastOrderAt: DateTime
    lastInteractionAt: DateTime
    createdAt: DateTime! @timestamp(operations: [CREATE])
    updatedAt: DateTime! @timestamp
    version: Int! @default(value: 1)
    company: [Company!]! @relationship(type: "ACCOUNT_OF", direction: OUT)
    accountManager: [User!]! @relationship(type: "MANAGES", direction: IN)
    orders: [Order!]! @relationship(type: "PLACED", direction: OUT)
  }

  type Company @node(labels: ["Company"]) {
    id: ID! @id
    name: String!
    domain: String
    industry: String
    legalForm: String
    registrationNumber: String
    employeeCount: Int
    annualRevenue: BigInt
    currency: String
    city: String
    country: String
    createdAt: DateTime!
    updatedAt: DateTime!
    version: Int!
    contacts: [Contact!]! @relationship(type: "WORKS_AT", direction: IN, properties: "WorksAt")
    customer: [Customer!]! @relationship(type: "ACCOUNT_OF", direction: IN)
  }

  type WorksAt @relationshipProperties {
    jobTitle: String
    department: String
    seniority: Seniority
    decisionRole: DecisionRole
    startedOn: Date
    endedOn: Date
  }

  type Contact @node(labels: ["Contact"]) {
    id: ID! @id
    firstName: String
    lastName: String
    fullName: String
    email: String
    phone: String
    videoHandle: String
    birthday: Date
    city: String
    country: String
    createdAt: DateTime!
    updatedAt: DateTime!
    version: Int!
  }

  type Order @node(labels: ["Order"]) {
    id: ID! @id
    externalId: String
    placedAt: DateTime!
    status: OrderStatus!
    currency: String!
    total: BigInt!
    createdAt: DateTime!
    updatedAt: DateTime!
    version: Int!
    products: [Product!]! @relationship(type: "CONTAINS", direction: OUT, properties: "OrderLine")
  }

  type OrderLine @relationshipProperties {
    quantity: Int!
    unitPrice: BigInt!
    position: Int
  }

  type Product @node(labels: ["Product"]) {
    id: ID! @id
    sku: String!
    name: String!
    category: String
    price: BigInt
    currency: String
    active: Boolean
  }

  type User @node(labels: ["User"]) {
    id: ID! @id
    name: String
    email: String
    role: UserRole
  }
`;

const stats = { statements: 0, transactions: 0, last: [] };

/** The driver, with every transaction function's `tx.run` counted (the statements the peer
 * sends; @neo4j/graphql runs each in `session.executeRead` / `executeWrite`). */
function countingDriver(driver) {
  const wrapWork = (work) => (tx) => {
    stats.transactions += 1;
    return work(
      new Proxy(tx, {
        get(target, prop) {
          if (prop === "run") {
            return (query, params, ...rest) => {
              stats.statements += 1;
              stats.last = [...stats.last.slice(-4), query];
              return target.run(query, params, ...rest);
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    );
  };
  const session = driver.session.bind(driver);
  driver.session = (config) => {
    const s = session(config);
    const read = s.executeRead.bind(s);
    const write = s.executeWrite.bind(s);
    s.executeRead = (work, cfg) => read(wrapWork(work), cfg);
    s.executeWrite = (work, cfg) => write(wrapWork(work), cfg);
    return s;
  };
  return driver;
}

async function main() {
  const driver = countingDriver(
    neo4j.driver(
      process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687",
      neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? ""),
      { disableLosslessIntegers: false },
    ),
  );
  const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
  if (process.argv.includes("--print-schema")) {
    process.stdout.write(printSchema(schema) + "\n");
    await driver.close();
    return;
  }
  const apollo = new ApolloServer({ schema, introspection: false });
  // Apollo's own standalone HTTP server, as its documentation sets it up.
  const { url } = await startStandaloneServer(apollo, {
    listen: { host: "127.0.0.1", port: Number(process.env.PORT ?? 4000) },
  });
  const statsServer = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...stats, pid: process.pid }));
  });
  statsServer.listen(Number(process.env.STATS_PORT ?? 4001), "127.0.0.1");
  process.stdout.write(`peer listening on ${url}\n`);
  const shutdown = () => {
    statsServer.close();
    apollo.stop().finally(() => driver.close().finally(() => process.exit(0)));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

await main();
