/** The DAW's start-up and account operations (presets/ and kickgen/ hold theirs); GraphQL Code Generator types them from ../schema.graphql. */
import { graphql } from "../gql";

export const UserFields = graphql(`
  fragment UserFields on User {
    id
    username
    email
  }
`);

/** A parameter's range, default and step as the server validates presets (audio/params.ts adds the look). */
export const PresetParameterFields = graphql(`
  fragment PresetParameterFields on PresetParameterRange {
    parameter
    min
    max
    defaultValue
    step
  }
`);

export const StartupQuery = graphql(`
  query Startup {
    presetParameters {
      ...PresetParameterFields
    }
    presetNameRule {
      maxLength
      pattern
      message
    }
    me {
      ...UserFields
    }
    samples {
      key
      name
      kind
      url
    }
    presets {
      ...PresetPageFields
    }
  }
`);

/** One page of the presets the server lets this visitor see (the server caps a page's size). */
export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on LoginSuccess {
        user {
          ...UserFields
        }
      }
      ... on InvalidCredentials {
        message
      }
      ... on Throttled {
        message
      }
      ... on AccountLocked {
        message
      }
    }
  }
`);

export const RegisterMutation = graphql(`
  mutation Register($username: String!, $email: String!, $password: String!) {
    register(username: $username, email: $email, password: $password) {
      __typename
      ... on RegisterSuccess {
        user {
          ...UserFields
        }
      }
      ... on ValidationErrors {
        message
        errors {
          field
          messages
        }
      }
      ... on Throttled {
        message
      }
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout {
      message
    }
  }
`);
