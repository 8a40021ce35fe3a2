/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserFields on User {\n    id\n    username\n    email\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  fragment PresetParameterFields on PresetParameterRange {\n    parameter\n    min\n    max\n    defaultValue\n    step\n  }\n": typeof types.PresetParameterFieldsFragmentDoc,
    "\n  query Startup {\n    presetParameters {\n      ...PresetParameterFields\n    }\n    me {\n      ...UserFields\n    }\n    samples {\n      key\n      name\n      kind\n      url\n    }\n    presets {\n      ...PresetPageFields\n    }\n  }\n": typeof types.StartupDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on InvalidCredentials {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n      ... on AccountLocked {\n        message\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Register($username: String!, $email: String!, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ... on RegisterSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Logout {\n    logout {\n      message\n    }\n  }\n": typeof types.LogoutDocument,
    "\n  fragment KickFields on Kick {\n    id\n    name\n    audioUrl\n    createdAt\n  }\n": typeof types.KickFieldsFragmentDoc,
    "\n  query KickLibrary {\n    kicks {\n      kicks {\n        ...KickFields\n      }\n      remainingGensToday\n      totalGensCount\n      dailyLimit\n      totalCap\n      resetsAt\n      quotaTimeZone\n      dailyLimitMessage\n      totalCapMessage\n    }\n  }\n": typeof types.KickLibraryDocument,
    "\n  mutation GenerateKick($requestId: ID!) {\n    generateKick(requestId: $requestId) {\n      __typename\n      ... on GenerateKickSuccess {\n        kick {\n          ...KickFields\n        }\n        remainingGensToday\n        totalGensCount\n      }\n      ... on TotalCapReached {\n        message\n        totalCap\n      }\n      ... on DailyLimitReached {\n        message\n        resetsAt\n      }\n      ... on GenerationUnavailable {\n        message\n      }\n      ... on GenerationFailed {\n        message\n        retryable\n      }\n      ... on ValidationErrors {\n        message\n      }\n    }\n  }\n": typeof types.GenerateKickDocument,
    "\n  subscription KickGeneration($requestId: ID!) {\n    kickGeneration(requestId: $requestId) {\n      requestId\n      stage\n      step\n      totalSteps\n      fraction\n      message\n      preview {\n        mels\n        frames\n        pixels\n      }\n    }\n  }\n": typeof types.KickGenerationDocument,
    "\n  mutation DeleteKick($id: ID!, $confirm: Boolean!) {\n    deleteKick(id: $id, confirm: $confirm) {\n      __typename\n      ... on DeleteKickSuccess {\n        deletedId\n        totalGensCount\n      }\n      ... on PresetsAffected {\n        message\n        presets {\n          id\n          name\n        }\n      }\n      ... on KickNotFound {\n        message\n      }\n    }\n  }\n": typeof types.DeleteKickDocument,
    "\n  fragment PresetFields on Preset {\n    id\n    name\n    isShared\n    bpm\n    kickKey\n    aiKick {\n      id\n      name\n    }\n    kickLength\n    kickDistortion\n    kickOtt\n    noiseKey\n    noiseLowPass\n    noiseHighPass\n    noiseVolume\n    reverbKey\n    reverbLowPass\n    reverbHighPass\n    reverbVolume\n    masterOtt\n    masterDistortion\n    limiterPreGain\n  }\n": typeof types.PresetFieldsFragmentDoc,
    "\n  fragment PresetPageFields on PresetOffsetPaginated {\n    totalCount\n    results {\n      ...PresetFields\n    }\n  }\n": typeof types.PresetPageFieldsFragmentDoc,
    "\n  query Presets($offset: Int!) {\n    presets(pagination: { offset: $offset }) {\n      ...PresetPageFields\n    }\n  }\n": typeof types.PresetsDocument,
    "\n  mutation CreatePreset($input: PresetInput!) {\n    createPreset(input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetLimitReached {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n": typeof types.CreatePresetDocument,
    "\n  mutation UpdatePreset($id: ID!, $input: PresetInput!) {\n    updatePreset(id: $id, input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n": typeof types.UpdatePresetDocument,
    "\n  mutation DeletePreset($id: ID!) {\n    deletePreset(id: $id) {\n      __typename\n      ... on DeletePresetSuccess {\n        deletedId\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n    }\n  }\n": typeof types.DeletePresetDocument,
};
const documents: Documents = {
    "\n  fragment UserFields on User {\n    id\n    username\n    email\n  }\n": types.UserFieldsFragmentDoc,
    "\n  fragment PresetParameterFields on PresetParameterRange {\n    parameter\n    min\n    max\n    defaultValue\n    step\n  }\n": types.PresetParameterFieldsFragmentDoc,
    "\n  query Startup {\n    presetParameters {\n      ...PresetParameterFields\n    }\n    me {\n      ...UserFields\n    }\n    samples {\n      key\n      name\n      kind\n      url\n    }\n    presets {\n      ...PresetPageFields\n    }\n  }\n": types.StartupDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on InvalidCredentials {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n      ... on AccountLocked {\n        message\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Register($username: String!, $email: String!, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ... on RegisterSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Logout {\n    logout {\n      message\n    }\n  }\n": types.LogoutDocument,
    "\n  fragment KickFields on Kick {\n    id\n    name\n    audioUrl\n    createdAt\n  }\n": types.KickFieldsFragmentDoc,
    "\n  query KickLibrary {\n    kicks {\n      kicks {\n        ...KickFields\n      }\n      remainingGensToday\n      totalGensCount\n      dailyLimit\n      totalCap\n      resetsAt\n      quotaTimeZone\n      dailyLimitMessage\n      totalCapMessage\n    }\n  }\n": types.KickLibraryDocument,
    "\n  mutation GenerateKick($requestId: ID!) {\n    generateKick(requestId: $requestId) {\n      __typename\n      ... on GenerateKickSuccess {\n        kick {\n          ...KickFields\n        }\n        remainingGensToday\n        totalGensCount\n      }\n      ... on TotalCapReached {\n        message\n        totalCap\n      }\n      ... on DailyLimitReached {\n        message\n        resetsAt\n      }\n      ... on GenerationUnavailable {\n        message\n      }\n      ... on GenerationFailed {\n        message\n        retryable\n      }\n      ... on ValidationErrors {\n        message\n      }\n    }\n  }\n": types.GenerateKickDocument,
    "\n  subscription KickGeneration($requestId: ID!) {\n    kickGeneration(requestId: $requestId) {\n      requestId\n      stage\n      step\n      totalSteps\n      fraction\n      message\n      preview {\n        mels\n        frames\n        pixels\n      }\n    }\n  }\n": types.KickGenerationDocument,
    "\n  mutation DeleteKick($id: ID!, $confirm: Boolean!) {\n    deleteKick(id: $id, confirm: $confirm) {\n      __typename\n      ... on DeleteKickSuccess {\n        deletedId\n        totalGensCount\n      }\n      ... on PresetsAffected {\n        message\n        presets {\n          id\n          name\n        }\n      }\n      ... on KickNotFound {\n        message\n      }\n    }\n  }\n": types.DeleteKickDocument,
    "\n  fragment PresetFields on Preset {\n    id\n    name\n    isShared\n    bpm\n    kickKey\n    aiKick {\n      id\n      name\n    }\n    kickLength\n    kickDistortion\n    kickOtt\n    noiseKey\n    noiseLowPass\n    noiseHighPass\n    noiseVolume\n    reverbKey\n    reverbLowPass\n    reverbHighPass\n    reverbVolume\n    masterOtt\n    masterDistortion\n    limiterPreGain\n  }\n": types.PresetFieldsFragmentDoc,
    "\n  fragment PresetPageFields on PresetOffsetPaginated {\n    totalCount\n    results {\n      ...PresetFields\n    }\n  }\n": types.PresetPageFieldsFragmentDoc,
    "\n  query Presets($offset: Int!) {\n    presets(pagination: { offset: $offset }) {\n      ...PresetPageFields\n    }\n  }\n": types.PresetsDocument,
    "\n  mutation CreatePreset($input: PresetInput!) {\n    createPreset(input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetLimitReached {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n": types.CreatePresetDocument,
    "\n  mutation UpdatePreset($id: ID!, $input: PresetInput!) {\n    updatePreset(id: $id, input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n": types.UpdatePresetDocument,
    "\n  mutation DeletePreset($id: ID!) {\n    deletePreset(id: $id) {\n      __typename\n      ... on DeletePresetSuccess {\n        deletedId\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n    }\n  }\n": types.DeletePresetDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    username\n    email\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    username\n    email\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PresetParameterFields on PresetParameterRange {\n    parameter\n    min\n    max\n    defaultValue\n    step\n  }\n"): (typeof documents)["\n  fragment PresetParameterFields on PresetParameterRange {\n    parameter\n    min\n    max\n    defaultValue\n    step\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Startup {\n    presetParameters {\n      ...PresetParameterFields\n    }\n    me {\n      ...UserFields\n    }\n    samples {\n      key\n      name\n      kind\n      url\n    }\n    presets {\n      ...PresetPageFields\n    }\n  }\n"): (typeof documents)["\n  query Startup {\n    presetParameters {\n      ...PresetParameterFields\n    }\n    me {\n      ...UserFields\n    }\n    samples {\n      key\n      name\n      kind\n      url\n    }\n    presets {\n      ...PresetPageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on InvalidCredentials {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n      ... on AccountLocked {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on InvalidCredentials {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n      ... on AccountLocked {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($username: String!, $email: String!, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ... on RegisterSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Register($username: String!, $email: String!, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ... on RegisterSuccess {\n        user {\n          ...UserFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout {\n      message\n    }\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout {\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment KickFields on Kick {\n    id\n    name\n    audioUrl\n    createdAt\n  }\n"): (typeof documents)["\n  fragment KickFields on Kick {\n    id\n    name\n    audioUrl\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query KickLibrary {\n    kicks {\n      kicks {\n        ...KickFields\n      }\n      remainingGensToday\n      totalGensCount\n      dailyLimit\n      totalCap\n      resetsAt\n      quotaTimeZone\n      dailyLimitMessage\n      totalCapMessage\n    }\n  }\n"): (typeof documents)["\n  query KickLibrary {\n    kicks {\n      kicks {\n        ...KickFields\n      }\n      remainingGensToday\n      totalGensCount\n      dailyLimit\n      totalCap\n      resetsAt\n      quotaTimeZone\n      dailyLimitMessage\n      totalCapMessage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateKick($requestId: ID!) {\n    generateKick(requestId: $requestId) {\n      __typename\n      ... on GenerateKickSuccess {\n        kick {\n          ...KickFields\n        }\n        remainingGensToday\n        totalGensCount\n      }\n      ... on TotalCapReached {\n        message\n        totalCap\n      }\n      ... on DailyLimitReached {\n        message\n        resetsAt\n      }\n      ... on GenerationUnavailable {\n        message\n      }\n      ... on GenerationFailed {\n        message\n        retryable\n      }\n      ... on ValidationErrors {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateKick($requestId: ID!) {\n    generateKick(requestId: $requestId) {\n      __typename\n      ... on GenerateKickSuccess {\n        kick {\n          ...KickFields\n        }\n        remainingGensToday\n        totalGensCount\n      }\n      ... on TotalCapReached {\n        message\n        totalCap\n      }\n      ... on DailyLimitReached {\n        message\n        resetsAt\n      }\n      ... on GenerationUnavailable {\n        message\n      }\n      ... on GenerationFailed {\n        message\n        retryable\n      }\n      ... on ValidationErrors {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription KickGeneration($requestId: ID!) {\n    kickGeneration(requestId: $requestId) {\n      requestId\n      stage\n      step\n      totalSteps\n      fraction\n      message\n      preview {\n        mels\n        frames\n        pixels\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription KickGeneration($requestId: ID!) {\n    kickGeneration(requestId: $requestId) {\n      requestId\n      stage\n      step\n      totalSteps\n      fraction\n      message\n      preview {\n        mels\n        frames\n        pixels\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteKick($id: ID!, $confirm: Boolean!) {\n    deleteKick(id: $id, confirm: $confirm) {\n      __typename\n      ... on DeleteKickSuccess {\n        deletedId\n        totalGensCount\n      }\n      ... on PresetsAffected {\n        message\n        presets {\n          id\n          name\n        }\n      }\n      ... on KickNotFound {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteKick($id: ID!, $confirm: Boolean!) {\n    deleteKick(id: $id, confirm: $confirm) {\n      __typename\n      ... on DeleteKickSuccess {\n        deletedId\n        totalGensCount\n      }\n      ... on PresetsAffected {\n        message\n        presets {\n          id\n          name\n        }\n      }\n      ... on KickNotFound {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PresetFields on Preset {\n    id\n    name\n    isShared\n    bpm\n    kickKey\n    aiKick {\n      id\n      name\n    }\n    kickLength\n    kickDistortion\n    kickOtt\n    noiseKey\n    noiseLowPass\n    noiseHighPass\n    noiseVolume\n    reverbKey\n    reverbLowPass\n    reverbHighPass\n    reverbVolume\n    masterOtt\n    masterDistortion\n    limiterPreGain\n  }\n"): (typeof documents)["\n  fragment PresetFields on Preset {\n    id\n    name\n    isShared\n    bpm\n    kickKey\n    aiKick {\n      id\n      name\n    }\n    kickLength\n    kickDistortion\n    kickOtt\n    noiseKey\n    noiseLowPass\n    noiseHighPass\n    noiseVolume\n    reverbKey\n    reverbLowPass\n    reverbHighPass\n    reverbVolume\n    masterOtt\n    masterDistortion\n    limiterPreGain\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PresetPageFields on PresetOffsetPaginated {\n    totalCount\n    results {\n      ...PresetFields\n    }\n  }\n"): (typeof documents)["\n  fragment PresetPageFields on PresetOffsetPaginated {\n    totalCount\n    results {\n      ...PresetFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Presets($offset: Int!) {\n    presets(pagination: { offset: $offset }) {\n      ...PresetPageFields\n    }\n  }\n"): (typeof documents)["\n  query Presets($offset: Int!) {\n    presets(pagination: { offset: $offset }) {\n      ...PresetPageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePreset($input: PresetInput!) {\n    createPreset(input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetLimitReached {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePreset($input: PresetInput!) {\n    createPreset(input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetLimitReached {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdatePreset($id: ID!, $input: PresetInput!) {\n    updatePreset(id: $id, input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdatePreset($id: ID!, $input: PresetInput!) {\n    updatePreset(id: $id, input: $input) {\n      __typename\n      ... on PresetSuccess {\n        preset {\n          ...PresetFields\n        }\n      }\n      ... on ValidationErrors {\n        message\n        errors {\n          field\n          messages\n        }\n      }\n      ... on PresetNameTaken {\n        message\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n      ... on Throttled {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePreset($id: ID!) {\n    deletePreset(id: $id) {\n      __typename\n      ... on DeletePresetSuccess {\n        deletedId\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeletePreset($id: ID!) {\n    deletePreset(id: $id) {\n      __typename\n      ... on DeletePresetSuccess {\n        deletedId\n      }\n      ... on PresetNotFound {\n        message\n      }\n      ... on SharedPresetReadOnly {\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;