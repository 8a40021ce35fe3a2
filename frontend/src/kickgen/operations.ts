/** The AI kick operations; GraphQL Code Generator types them from ../schema.graphql. */
import { graphql } from "../gql";

export const KickFields = graphql(`
  fragment KickFields on Kick {
    id
    name
    audioUrl
    createdAt
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
    }
  }
`);

export const GenerateKickMutation = graphql(`
  mutation GenerateKick($requestId: ID!) {
    generateKick(requestId: $requestId) {
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
