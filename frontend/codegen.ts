import type { CodegenConfig } from "@graphql-codegen/cli";

// The backend exports the schema to ../schema.graphql; SCHEMA lets a draft schema stand in locally.
const config: CodegenConfig = {
  schema: process.env.SCHEMA ?? "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", ID: "string", Upload: "File" },
        avoidOptionals: { field: true, inputValue: false, object: true },
      },
    },
  },
};

export default config;
