import { m001Foundation } from './001-foundation.js';
import { m002Pipeline } from './002-pipeline.js';
import { m003Cases } from './003-cases.js';
import { m004People } from './004-people.js';
import { m005CustodyExport } from './005-custody-export.js';
import { m006Docks } from './006-docks.js';
import { m007Review } from './007-review.js';
import { m008Rooms } from './008-rooms.js';
import { m009RecordingJoins } from './009-recording-joins.js';
import { m011Coverage } from './011-coverage.js';
import { m010Retention } from './010-retention.js';
import { m012DisposalScope } from './012-disposal-scope.js';
import { m015WatchedCoverage } from './015-watched-coverage.js';
import { m013CustodyHardening } from './013-custody-hardening.js';

export interface Migration {
  id: string;
  sql: string;
}

/** Applied in order, each once, each in its own transaction. Never edit a shipped migration: add a new one. */
export const MIGRATIONS: Migration[] = [
  m001Foundation,
  m002Pipeline,
  m003Cases,
  m004People,
  m005CustodyExport,
  m006Docks,
  m007Review,
  m008Rooms,
  m009RecordingJoins,
  m010Retention,
  m011Coverage,
  m012DisposalScope,
  m015WatchedCoverage,
  m013CustodyHardening,
];
