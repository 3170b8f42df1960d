import { CORE_MESSAGES, LABEL_SETS, type MessageSpecs } from '@dvk/contracts';

/**
 * Every message code a person can read, with its parameters: the core's (`CORE_MESSAGES`, part
 * of the contract) and the edge's (the CLI, the services, the dashboard, the documents: one
 * module each under `codes/`), and the labels of the closed sets (`tier.good`, `kind.village`…).
 * Each has a text in every catalogue (`vi/`, `en/`); a test holds them to it.
 */
export const EDGE_MESSAGES = {
  // The explanation of a lean scoresheet (figures only, kept to finish a year): never shown to a
  // person — if one is, it says so instead of showing nothing.
  'calc.lean': {},
  /** An empty list, where a list is expected ("chậm hạn: tháng —"). */
  'list.empty': {},
} as const satisfies MessageSpecs;

/** Labels: codes of the closed sets, read by name. Each is a code `<set>.<value>` without parameters. */
export const LABELS = {
  tier: ['strong', 'advanced', 'good', 'fair', 'average', 'weak'],
  title: ['dan_van_kheo', 'tieu_bieu'],
  veto: ['hotspot', 'discipline'],
  kind: ['commune_party', 'agency', 'village', 'mobilization_team', 'mobilization_bloc', 'mass_org'],
  category: ['complaint', 'denunciation', 'petition'],
  level: ['commune', 'district', 'province'],
  prize: ['first', 'second', 'third', 'encouragement'],
  list: ['dvk_candidates', 'mobilization_team', 'mobilization_bloc', 'mass_org'],
  source: ['assessed', 'reporting', 'cases', 'dialogues', 'models'],
  eventType: [
    'UnitRegistered',
    'UnitRenamed',
    'UnitsMerged',
    'UnitDissolved',
    'CriterionAssessed',
    'AssessmentRetracted',
    'MonthlyReportSubmitted',
    'ComplaintReceived',
    'ComplaintResolved',
    'HotspotReported',
    'HotspotResolved',
    'DialogueHeld',
    'ModelRegistered',
    'ModelRecognized',
    'ModelRevoked',
    'ContestPrizeAwarded',
    'DisciplineImposed',
    'YearClosed',
  ],
  role: ['self', 'official'],
} as const satisfies Record<(typeof LABEL_SETS)[number], readonly string[]>;

const labelSpecs: Record<string, Record<string, never>> = {};
for (const [set, values] of Object.entries(LABELS)) for (const v of values) labelSpecs[`${set}.${v}`] = {};

/** Every code with its parameters. */
export const MESSAGES: MessageSpecs = { ...CORE_MESSAGES, ...EDGE_MESSAGES, ...labelSpecs };
export type EdgeCode = keyof typeof EDGE_MESSAGES;
