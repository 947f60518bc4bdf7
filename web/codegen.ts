import type { CodegenConfig } from "@graphql-codegen/cli";

// The schema is the live one: `make setup` writes it with `rapport schema print`, so a field
// renamed or removed in the API fails type generation (or tsc) instead of failing users.
const config: CodegenConfig = {
  schema: "generated/schema.graphql",
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
