// Prometheus text exposition of the numbers an operator watches: ingestion outcomes, log
// backlog, analysis lag and throughput, dedupe window size, memory.
import type { IngestionStats } from '../edge/stats.ts';
import type { DedupeWindow } from '../edge/dedupe.ts';
import type { TransactionLog } from '../log/log.ts';

export interface MetricSources {
  stats: IngestionStats;
  log: TransactionLog;
  analysis: { lag(): number; processed: number; failures: number; hostsInMemory: number; priority: string | null };
  dedupe: DedupeWindow;
  /** Findings by labels (severity, status). */
  findings?: Array<[labels: string, value: number]>;
}

function metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[labels: string, value: number]>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  return lines.join('\n');
}

export function metricsText(s: MetricSources): string {
  const outcomes = [...s.stats.totals].map(([outcome, n]): [string, number] => [`{outcome="${outcome}"}`, n]);
  const mem = process.memoryUsage();
  return [
    metric('tapline_ingest_transactions_total', 'counter', 'Transactions (or requests, for rejections before parsing) by outcome: accepted or the error code.', outcomes),
    metric('tapline_log_pending_bytes', 'gauge', 'Bytes accepted but not yet durable in the log.', [['', s.log.pendingBytes()]]),
    metric('tapline_analysis_lag', 'gauge', 'Transactions in the log not yet processed by analysis.', [['', s.analysis.lag()]]),
    metric('tapline_analysis_processed_total', 'counter', 'Transactions processed by analysis since start.', [['', s.analysis.processed]]),
    metric('tapline_analysis_failures_total', 'counter', 'Log entries analysis could not decode.', [['', s.analysis.failures]]),
    metric('tapline_analysis_hosts_in_memory', 'gauge', 'Hosts whose discovery analysis keeps in memory (--analysis-max-hosts bounds it).', [['', s.analysis.hostsInMemory]]),
    metric('tapline_analysis_thread_priority', 'gauge', 'Scheduling of the analysis thread (--analysis-priority): idle, nice (lowest niceness) or unchanged.', s.analysis.priority ? [[`{outcome="${s.analysis.priority}"}`, 1]] : []),
    metric('tapline_dedupe_window_entries', 'gauge', 'Transaction ids held in the deduplication window.', [['', s.dedupe.size]]),
    metric('tapline_findings', 'gauge', 'Findings by severity and status.', s.findings ?? []),
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [['', mem.rss]]),
    metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use, bytes.', [['', mem.heapUsed]]),
  ].join('\n') + '\n';
}
