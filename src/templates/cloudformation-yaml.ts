import { parse, type Tags } from 'yaml';

/** CloudFormation's intrinsic functions in their short YAML form (`!GetAtt X.Arn`), read as their long form. */
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'ToJsonString', 'Length'];

const TAGS: Tags = [
  ...['Ref', 'Condition'].flatMap((name) => tagsOf(`!${name}`, name)),
  ...FUNCTIONS.flatMap((name) => tagsOf(`!${name}`, `Fn::${name}`)),
];

function tagsOf(tag: string, key: string): Tags {
  return [
    { tag, resolve: (value: string) => ({ [key]: value }) },
    { tag, collection: 'seq', resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }) },
    { tag, collection: 'map', resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }) },
  ] as Tags;
}

/** Parses a CloudFormation / SAM / serverless.yml document (YAML or JSON) with the short intrinsic tags. */
export function parseTemplateText(text: string): unknown {
  return parse(text, { customTags: TAGS, maxAliasCount: 100 });
}
