/** Every GraphQL operation of the DAW; GraphQL Code Generator types them from ../schema.graphql. */
import { graphql } from "../gql";

export const UserFields = graphql(`
  fragment UserFields on User {
    id
    username
    email
  }
`);

export const PresetFields = graphql(`
  fragment PresetFields on Preset {
    id
    name
    isShared
    bpm
    kickKey
    aiKick {
      id
      name
    }
    kickLength
    kickDistortion
    kickOtt
    noiseKey
    noiseLowPass
    noiseHighPass
    noiseVolume
    reverbKey
    reverbLowPass
    reverbHighPass
    reverbVolume
    masterOtt
    masterDistortion
    limiterPreGain
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
export const PresetPageFields = graphql(`
  fragment PresetPageFields on PresetOffsetPaginated {
    totalCount
    results {
      ...PresetFields
    }
  }
`);

export const PresetsQuery = graphql(`
  query Presets($offset: Int!) {
    presets(pagination: { offset: $offset }) {
      ...PresetPageFields
    }
  }
`);

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

export const CreatePresetMutation = graphql(`
  mutation CreatePreset($input: PresetInput!) {
    createPreset(input: $input) {
      __typename
      ... on PresetSuccess {
        preset {
          ...PresetFields
        }
      }
      ... on PresetValidationError {
        message
        errors {
          field
          message
        }
      }
      ... on PresetNameTaken {
        message
      }
      ... on PresetLimitReached {
        message
      }
      ... on Throttled {
        message
      }
    }
  }
`);

export const UpdatePresetMutation = graphql(`
  mutation UpdatePreset($id: ID!, $input: PresetInput!) {
    updatePreset(id: $id, input: $input) {
      __typename
      ... on PresetSuccess {
        preset {
          ...PresetFields
        }
      }
      ... on PresetValidationError {
        message
        errors {
          field
          message
        }
      }
      ... on PresetNameTaken {
        message
      }
      ... on PresetNotFound {
        message
      }
      ... on SharedPresetReadOnly {
        message
      }
      ... on Throttled {
        message
      }
    }
  }
`);

export const DeletePresetMutation = graphql(`
  mutation DeletePreset($id: ID!) {
    deletePreset(id: $id) {
      __typename
      ... on DeletePresetSuccess {
        deletedId
      }
      ... on PresetNotFound {
        message
      }
      ... on SharedPresetReadOnly {
        message
      }
    }
  }
`);
