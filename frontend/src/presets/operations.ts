/** The preset operations; GraphQL Code Generator types them from ../schema.graphql. */
import { graphql } from "../gql";

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

export const CreatePresetMutation = graphql(`
  mutation CreatePreset($input: PresetInput!) {
    createPreset(input: $input) {
      __typename
      ... on PresetSuccess {
        preset {
          ...PresetFields
        }
      }
      ... on ValidationErrors {
        message
        errors {
          field
          messages
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
      ... on ValidationErrors {
        message
        errors {
          field
          messages
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
