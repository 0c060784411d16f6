// API discovery: path-template inference (pure; see discovery.ts for the order of trust).
export { Discovery, HostDiscovery } from './discovery.ts';
export type { Observation, EndpointRef, Endpoint, EndpointParam, DiscoveryEvent, HostState, Source } from './discovery.ts';
export type { Rule } from './rules.ts';
export { classify, strength, splitSuffix, paramType } from './classify.ts';
export type { Shape, Strength } from './classify.ts';
export { paramName } from './naming.ts';
export { TemplateSet, templatesFromSpec, specBasePath, specPathTemplate, parseTemplate, matchTemplate, templateShape, normalizePath, segments } from './template.ts';
export { observationFromTransaction, responseShape } from './observation.ts';
export { LIMITS } from './trie.ts';
