/** The AI kick operations; GraphQL Code Generator types them from ../schema.graphql. */
import { graphql } from "../gql";

export const KickFields = graphql(`
  fragment KickFields on Kick {
    id
    name
    audioUrl
    createdAt
    recipe {
      modelName
      modelVersion
      prompt
      understoodWords
      ignoredWords
      seed
      sampler
      steps
      guidance
      madeFrom
      parentId
      parentName
      referenceName
      strength
    }
  }
`);

export const KickLibraryQuery = graphql(`
  query KickLibrary {
    kicks {
      kicks {
        ...KickFields
      }
      remainingGensToday
      totalGensCount
      dailyLimit
      totalCap
      resetsAt
      quotaTimeZone
      dailyLimitMessage
      totalCapMessage
      preferences {
        words
        autoplay
      }
      variationStrength {
        min
        max
        default
      }
      referenceMaxBytes
      referenceTooBigMessage
    }
  }
`);

export const KickVocabularyQuery = graphql(`
  query KickVocabulary {
    kickVocabulary {
      __typename
      ... on KickVocabulary {
        model {
          name
          version
        }
        styles
        pairs {
          low
          high
        }
        otherWords
        defaultWords
      }
      ... on GenerationUnavailable {
        message
      }
    }
  }
`);

export const SaveKickPreferencesMutation = graphql(`
  mutation SaveKickPreferences($words: [String!], $autoplay: Boolean) {
    saveKickPreferences(words: $words, autoplay: $autoplay) {
      __typename
      ... on KickPreferences {
        words
        autoplay
      }
      ... on ValidationErrors {
        message
      }
    }
  }
`);

export const GenerateKickMutation = graphql(`
  mutation GenerateKick($requestId: ID!, $prompt: String!, $variationOf: ID, $strength: Float, $reference: Upload) {
    generateKick(requestId: $requestId, prompt: $prompt, variationOf: $variationOf, strength: $strength, reference: $reference) {
      __typename
      ... on GenerateKickSuccess {
        kick {
          ...KickFields
        }
        remainingGensToday
        totalGensCount
      }
      ... on TotalCapReached {
        message
        totalCap
      }
      ... on DailyLimitReached {
        message
        resetsAt
      }
      ... on GenerationUnavailable {
        message
      }
      ... on GenerationFailed {
        message
        retryable
      }
      ... on ValidationErrors {
        message
      }
    }
  }
`);

export const KickGenerationSubscription = graphql(`
  subscription KickGeneration($requestId: ID!) {
    kickGeneration(requestId: $requestId) {
      requestId
      stage
      step
      totalSteps
      fraction
      message
      preview {
        mels
        frames
        pixels
      }
    }
  }
`);

export const DeleteKickMutation = graphql(`
  mutation DeleteKick($id: ID!, $confirm: Boolean!) {
    deleteKick(id: $id, confirm: $confirm) {
      __typename
      ... on DeleteKickSuccess {
        deletedId
        totalGensCount
      }
      ... on PresetsAffected {
        message
        presets {
          id
          name
        }
      }
      ... on KickNotFound {
        message
      }
    }
  }
`);
