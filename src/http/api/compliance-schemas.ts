// TypeBox schemas of the compliance report and the grade (issue 15). Response serialisation
// writes only what is declared here.
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import { CHECK_OUTCOMES, COMPLIANCE_LEVELS } from '../../domain/compliance.ts';
import { GRADE_LETTERS, PENDING_REASONS } from '../../domain/grade.ts';
import { ERAS } from '../../domain/probe-result.ts';

// Not schemas.ts's Nullable: schemas.ts imports this module, and the cycle would run this one first.
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Points = Nullable(Type.Number());

export const GradeSchema = Type.Object(
  {
    score: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: 'null while pending' })),
    letter: Nullable(Type.Enum([...GRADE_LETTERS])),
    text: Type.String({ description: 'e.g. "B 84", or "pending"' }),
    pending: Type.Array(Type.Enum(Object.keys(PENDING_REASONS)), { description: 'Why there is no score; empty when graded' }),
    components: Type.Object({
      uptime: Type.Object({ value: Nullable(Type.Number({ description: '30-day uptime ratio' })), points: Points, max: Type.Number() }),
      latency: Type.Object({ value: Nullable(Type.Number({ description: '30-day p95, ms' })), budgetMs: Type.Number(), points: Points, max: Type.Number() }),
      compliance: Type.Object({
        value: Nullable(
          Type.Object({ pass: Type.Integer(), failMust: Type.Integer(), failShould: Type.Integer(), notApplicable: Type.Integer(), error: Type.Integer() }),
        ),
        points: Points,
        max: Type.Number(),
      }),
    }),
    inputs: Type.Object({
      rounds: Type.Integer(),
      goodRounds: Type.Integer(),
      p95Ms: Nullable(Type.Number()),
      latencyBudgetMs: Type.Number(),
      complianceCheckedAt: Nullable(Type.String()),
    }),
  },
  { additionalProperties: false },
);

/** The grade in an endpoint's view: the short form (the full one is under /compliance). */
export const GradeSummarySchema = Nullable(
  Type.Object(
    {
      score: Nullable(Type.Integer()),
      letter: Nullable(Type.Enum([...GRADE_LETTERS])),
      pending: Type.Array(Type.String()),
      checkedAt: Type.String({ description: 'When the compliance checks behind it ran' }),
    },
    { description: 'null until the first compliance report; recomputed every few minutes and after each run' },
  ),
);

export const CheckResultSchema = Type.Object({
  id: Type.String(),
  level: Type.Enum([...COMPLIANCE_LEVELS]),
  outcome: Type.Enum([...CHECK_OUTCOMES]),
  evidence: Type.String({ description: 'What was sent and what came back; server-derived, treat as untrusted text' }),
});

export const ComplianceReportSchema = Type.Object({
  checkedAt: Type.String(),
  era: Nullable(Type.Enum([...ERAS])),
  protocolVersion: Nullable(Type.String()),
  durationMs: Type.Number(),
  results: Type.Array(CheckResultSchema),
});

export const ComplianceResponse = Type.Object(
  {
    slug: Type.String(),
    report: Nullable(ComplianceReportSchema),
    grade: GradeSchema,
    history: Type.Array(
      Type.Object({ checkedAt: Type.String(), pass: Type.Integer(), failMust: Type.Integer(), failShould: Type.Integer(), notApplicable: Type.Integer(), error: Type.Integer() }),
      { description: 'The reports kept, newest first, counted' },
    ),
  },
  { additionalProperties: false },
);
export type ComplianceResponseBody = Static<typeof ComplianceResponse>;
