using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Reads the audit trail of retention runs (<c>dataguard.retention_runs</c> and <c>retention_results</c>).</summary>
internal sealed class RetentionHistory
{
    private readonly DataGuardDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="RetentionHistory"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    public RetentionHistory(DataGuardDataSource dataSource) => _dataSource = dataSource;

    /// <summary>The latest runs, newest first, each with its policies' results.</summary>
    /// <param name="runs">How many runs.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The runs.</returns>
    public async Task<IReadOnlyList<RecordedRetentionRun>> ReadAsync(int runs = 10, CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(
                """
                SELECT r.id, r.started_at, r.finished_at, r.dry_run, r.run_by, s.policy, s.action, s.rows_affected, s.rows_held, s.batches, s.duration_ms, s.error
                FROM (SELECT * FROM dataguard.retention_runs ORDER BY id DESC LIMIT @runs) r
                LEFT JOIN dataguard.retention_results s ON s.run_id = r.id
                WHERE to_regclass('dataguard.retention_runs') IS NOT NULL
                ORDER BY r.id DESC, s.id
                """,
                connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("runs", runs);
                NpgsqlDataReader reader;
                try
                {
                    reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
                {
                    return [];
                }

                await using (reader.ConfigureAwait(false))
                {
                    var result = new List<RecordedRetentionRun>();
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var id = reader.GetInt64(0);
                        if (result.Count == 0 || result[^1].Id != id)
                        {
                            result.Add(new RecordedRetentionRun(id, reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3), reader.GetString(4), new List<RecordedPolicyResult>()));
                        }

                        if (!reader.IsDBNull(5))
                        {
                            ((List<RecordedPolicyResult>)result[^1].Policies).Add(new RecordedPolicyResult(reader.GetString(5), reader.GetString(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt32(9), reader.GetInt64(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
                        }
                    }

                    return result;
                }
            }
        }
    }
}

/// <summary>A recorded retention run.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it finished, if it did.</param>
/// <param name="DryRun">Whether it was a dry run.</param>
/// <param name="RunBy">Who ran it.</param>
/// <param name="Policies">Each policy's result.</param>
internal sealed record RecordedRetentionRun(long Id, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, bool DryRun, string RunBy, IReadOnlyList<RecordedPolicyResult> Policies);

/// <summary>A policy's recorded result.</summary>
/// <param name="Policy">The policy.</param>
/// <param name="Action">The action.</param>
/// <param name="RowsAffected">Rows affected.</param>
/// <param name="RowsHeld">Rows spared by holds.</param>
/// <param name="Batches">Batches.</param>
/// <param name="DurationMs">Duration.</param>
/// <param name="Error">The error, if any.</param>
internal sealed record RecordedPolicyResult(string Policy, string Action, long RowsAffected, long RowsHeld, int Batches, long DurationMs, string? Error);
