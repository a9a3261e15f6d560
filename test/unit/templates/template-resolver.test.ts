import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from '../../../src/config/config-error.js';
import { parseTemplateText } from '../../../src/templates/cloudformation-yaml.js';
import { TemplateResolver, type ResolverContext } from '../../../src/templates/template-resolver.js';

const context: ResolverContext = {
  region: 'eu-west-1',
  account: '000000000000',
  stackName: 'shop',
  resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-${Stage}-q' } } },
    Fifo: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    Stream: { Type: 'AWS::Kinesis::Stream' },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'customers' } },
    Topic: { Type: 'AWS::SNS::Topic' },
    Vpc: { Type: 'AWS::EC2::VPC' },
  },
  parameters: { Stage: 'dev', Secret: undefined },
  lookup: {
    queueUrl: async (name) => `http://sqs.local/000000000000/${name}`,
    tableStreamArn: async (name) => `arn:aws:dynamodb:eu-west-1:000000000000:table/${name}/stream/2030-01-01T00:00:00.000`,
  },
};

async function resolve(yaml: string): Promise<{ value: unknown; issues: ValidationIssue[] }> {
  const issues: ValidationIssue[] = [];
  const value = await new TemplateResolver(context, issues).resolve(parseTemplateText(yaml), 'v');
  return { value, issues };
}

describe('TemplateResolver', () => {
  it('resolves Ref, GetAtt (both forms), Sub and Join against the declared resources, region and account', async () => {
    const { value, issues } = await resolve(
      [
        'a: !GetAtt Queue.Arn',
        'b: { "Fn::GetAtt": [Stream, Arn] }',
        'c: !GetAtt Table.StreamArn',
        'd: !Ref Queue',
        'e: !Sub "${Queue.QueueName}/${AWS::Region}/${!Literal}/${X}"',
        'f: !Join [":", [!Ref AWS::AccountId, !Ref Topic, !GetAtt Fifo.QueueName]]',
        'g: !Ref AWS::NoValue',
        'h: [1, !Ref Stage]',
      ].join('\n').replace('${X}', '${Stage}'),
    );
    expect(issues).toEqual([]);
    expect(value).toEqual({
      a: 'arn:aws:sqs:eu-west-1:000000000000:shop-dev-q',
      b: 'arn:aws:kinesis:eu-west-1:000000000000:stream/Stream',
      c: 'arn:aws:dynamodb:eu-west-1:000000000000:table/customers/stream/2030-01-01T00:00:00.000',
      d: 'http://sqs.local/000000000000/shop-dev-q',
      e: 'shop-dev-q/eu-west-1/${Literal}/dev',
      f: '000000000000:arn:aws:sns:eu-west-1:000000000000:Topic:Fifo.fifo',
      h: [1, 'dev'],
    });
  });

  it('reports every part it cannot resolve at its path, and leaves the value out', async () => {
    const { value, issues } = await resolve(
      ['a: !GetAtt Missing.Arn', 'b: { c: !Select [0, [x]] }', 'd: !Ref Secret', 'e: !GetAtt Vpc.CidrBlock', 'f: !Sub "${Nope}"'].join('\n'),
    );
    expect(value).toBeUndefined();
    expect(issues).toEqual([
      { path: 'v.a', message: 'Missing is not a parameter or resource of the template' },
      { path: 'v.b.c', message: 'Fn::Select is not supported (supported: Ref, Fn::GetAtt, Fn::Sub, Fn::Join)' },
      { path: 'v.d', message: 'parameter Secret has no Default: give it one for local runs' },
      { path: 'v.e', message: 'Fn::GetAtt Vpc.CidrBlock is not supported for AWS::EC2::VPC' },
      { path: 'v.f', message: 'Nope is not a parameter or resource of the template' },
    ]);
  });
});
