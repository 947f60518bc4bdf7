import { readFileSync } from "node:fs";

import type { CodegenConfig } from "@graphql-codegen/cli";

const live = readFileSync("generated/schema.graphql", "utf8");
const schema = live.includes("maskedFields")
  ? ["generated/schema.graphql"]
  : ["generated/schema.graphql", "pending.graphql"];

// The schema is the live one: `make setup` writes it with `rapport schema print`, so a field
// renamed or removed in the API fails type generation (or tsc) instead of failing users.
const config: CodegenConfig = {
  schema,
  documents: ["src/**/*.ts", "src/**/*.tsx", "!src/gql/**"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", Date: "string", Decimal: "string", JSON: "unknown" },
      },
    },
  },
};

export default config;
