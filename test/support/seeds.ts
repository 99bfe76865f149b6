import { describe, it } from 'vitest';
import { CORPUS_PRESENT, SEEDS_PRESENT } from './checklists.js';

/**
 * Tests of the five seed checklists in ../shared/seeds run where the seeds are (as in CI) and are
 * skipped in a clone with nothing beside it; the features they cover are also covered by checklists
 * of the repository's own. globalSetup says once when they are skipped.
 */
export const itWithSeeds = it.skipIf(!SEEDS_PRESENT);
export const describeWithSeeds = describe.skipIf(!SEEDS_PRESENT);

/** Tests that measure the importer against ../shared/corpus and its hand counts, where it is. */
export const describeWithCorpus = describe.skipIf(!CORPUS_PRESENT);
