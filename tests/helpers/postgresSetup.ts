/**
 * vitest globalSetup of the "postgres" project: one private PostgreSQL cluster for the run,
 * stopped at the end. Test files ask for a database of their own (tests/helpers/lab.ts).
 */
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgresCluster();
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
