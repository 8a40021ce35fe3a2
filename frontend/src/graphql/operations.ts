/** The DAW's start-up and account operations (presets/ and kickgen/ hold theirs); GraphQL Code Generator types them from ../schema.graphql. */
import { graphql } from "../gql";

export const UserFields = graphql(`
  fragment UserFields on User {
    id
    username
    email
  }
`);

export const StartupQuery = graphql(`
  query Startup {
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
