using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using SkillInference.Batch;

namespace SkillInference.Postgres;

/// <summary>
/// Stores assessments, runs, shards and failures in PostgreSQL. A shard's assessments go through binary COPY into a
/// temporary staging table and one <c>INSERT ... ON CONFLICT DO NOTHING</c>, in the same transaction as its failures and
/// its shard row; the shard row (primary key run, shard) makes a re-delivery roll back without writing anything.
/// </summary>
internal sealed class PostgresAssessmentStore : IAssessmentStore
{
    /// <summary>Serializes run starts across hosts (the migrations' key + 1).</summary>
    private const long RunStartLockKey = PostgresMigrator.LockKey + 1;

    private const string RunColumns = InferenceRunRows.Columns;

    private const string Throughput = """
        duration_ms = GREATEST(EXTRACT(EPOCH FROM (@now - started_at)) * 1000, 0),
        students_per_second = CASE WHEN @now > started_at THEN students / EXTRACT(EPOCH FROM (@now - started_at)) END,
        predictions_per_second = CASE WHEN @now > started_at THEN predictions / EXTRACT(EPOCH FROM (@now - started_at)) END
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PostgresAssessmentStore(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<PostgresAssessmentStore>? logger = null)
    {
        _dataSource = dataSource;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<InferenceRun?> TryStartRunAsync(InferenceRun run, DateTimeOffset abandonBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                command.Parameters.AddWithValue("key", RunStartLockKey);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var command = new NpgsqlCommand($"UPDATE inference_runs SET status = 'failed', finished_at = @now, error = 'Abandoned: still running after the abandon limit when a new run started.', {Throughput} WHERE status = 'running' AND started_at < @before", connection, transaction))
            {
                command.Parameters.Add(Timestamp("now", run.StartedAt));
                command.Parameters.Add(Timestamp("before", abandonBefore));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var command = new NpgsqlCommand($"SELECT {RunColumns} FROM inference_runs WHERE status = 'running' ORDER BY started_at DESC LIMIT 1", connection, transaction))
            {
                var active = await ReadRunsAsync(command, cancellationToken).ConfigureAwait(false);
                if (active.Count > 0)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return active[0];
                }
            }

            await using (var command = new NpgsqlCommand(
                """
                INSERT INTO inference_runs (run_id, mode, status, started_at, watermark, changed_after, dispatcher, shards, students_planned)
                VALUES (@run, @mode, 'running', @started, @watermark, @changed_after, @dispatcher, @shards, @planned)
                """,
                connection,
                transaction))
            {
                command.Parameters.AddWithValue("run", run.RunId);
                command.Parameters.AddWithValue("mode", InferenceRunRows.ModeName(run.Mode));
                command.Parameters.Add(Timestamp("started", run.StartedAt));
                command.Parameters.Add(Timestamp("watermark", run.Watermark));
                command.Parameters.Add(Timestamp("changed_after", run.ChangedAfter));
                command.Parameters.AddWithValue("dispatcher", run.Dispatcher);
                command.Parameters.AddWithValue("shards", run.Shards);
                command.Parameters.AddWithValue("planned", run.StudentsPlanned);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "starting a run");
        }
    }

    public async Task<InferenceRun?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT {RunColumns} FROM inference_runs WHERE run_id = @run");
            command.Parameters.AddWithValue("run", runId);
            return (await ReadRunsAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "reading a run");
        }
    }

    public async Task<InferenceRun?> GetLastSuccessfulRunAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT {RunColumns} FROM inference_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1");
            return (await ReadRunsAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "reading the last successful run");
        }
    }

    public async Task<IReadOnlyList<InferenceRun>> ListRecentRunsAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT {RunColumns} FROM inference_runs ORDER BY started_at DESC LIMIT @count");
            command.Parameters.AddWithValue("count", count);
            return await ReadRunsAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "listing runs");
        }
    }

    public async Task<bool> IsShardCompletedAsync(Guid runId, int shard, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM inference_run_shards WHERE run_id = @run AND shard = @shard)");
            command.Parameters.AddWithValue("run", runId);
            command.Parameters.AddWithValue("shard", shard);
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "checking a shard");
        }
    }

    public async Task<ShardWriteResult> WriteShardAsync(ShardWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            var started = _time.GetTimestamp();
            var runId = write.Task.RunId;
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            var inserted = write.Assessments.Count == 0 ? 0 : await UpsertAssessmentsAsync(connection, transaction, write.Assessments, cancellationToken).ConfigureAwait(false);
            if (write.Failures.Count > 0)
            {
                await UpsertFailuresAsync(connection, transaction, write.Failures, cancellationToken).ConfigureAwait(false);
            }

            // Lock the run row only now, so that shards of one run write their rows in parallel and serialize only here.
            await using (var command = new NpgsqlCommand("SELECT 1 FROM inference_runs WHERE run_id = @run FOR NO KEY UPDATE", connection, transaction))
            {
                command.Parameters.AddWithValue("run", runId);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new BatchStoreException(BatchStoreErrorKind.Permanent, $"Run {runId} does not exist; the shard was not stored.");
                }
            }

            var stats = write.Stats;
            var writeMs = _time.GetElapsedTime(started).TotalMilliseconds;
            await using (var command = new NpgsqlCommand(
                """
                INSERT INTO inference_run_shards (run_id, shard, students, predictions, failures, inserted, read_ms, score_ms, write_ms, completed_at)
                VALUES (@run, @shard, @students, @predictions, @failures, @inserted, @read_ms, @score_ms, @write_ms, @completed_at)
                ON CONFLICT (run_id, shard) DO NOTHING
                """,
                connection,
                transaction))
            {
                command.Parameters.AddWithValue("run", runId);
                command.Parameters.AddWithValue("shard", write.Task.Shard);
                command.Parameters.AddWithValue("students", stats.Students);
                command.Parameters.AddWithValue("predictions", stats.Predictions);
                command.Parameters.AddWithValue("failures", stats.Failures);
                command.Parameters.AddWithValue("inserted", inserted);
                command.Parameters.AddWithValue("read_ms", stats.ReadTime.TotalMilliseconds);
                command.Parameters.AddWithValue("score_ms", stats.ScoreTime.TotalMilliseconds);
                command.Parameters.AddWithValue("write_ms", writeMs);
                command.Parameters.Add(Timestamp("completed_at", stats.CompletedAt));
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    // Stored before (a re-delivery): keep the first write and its stats.
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new ShardWriteResult(0, AlreadyCompleted: true, CompletedRun: null);
                }
            }

            InferenceRun? completed = null;
            await using (var command = new NpgsqlCommand(
                $"""
                UPDATE inference_runs SET
                    shards_completed = shards_completed + 1, students = students + @students, predictions = predictions + @predictions,
                    failures = failures + @failures, inserted = inserted + @inserted,
                    read_ms = read_ms + @read_ms, score_ms = score_ms + @score_ms, write_ms = write_ms + @write_ms
                WHERE run_id = @run
                RETURNING shards_completed >= shards AND status = 'running'
                """,
                connection,
                transaction))
            {
                command.Parameters.AddWithValue("run", runId);
                command.Parameters.AddWithValue("students", stats.Students);
                command.Parameters.AddWithValue("predictions", (long)stats.Predictions);
                command.Parameters.AddWithValue("failures", stats.Failures);
                command.Parameters.AddWithValue("inserted", (long)inserted);
                command.Parameters.AddWithValue("read_ms", stats.ReadTime.TotalMilliseconds);
                command.Parameters.AddWithValue("score_ms", stats.ScoreTime.TotalMilliseconds);
                command.Parameters.AddWithValue("write_ms", writeMs);
                var last = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                if (last)
                {
                    completed = await FinishAsync(connection, transaction, runId, RunStatus.Succeeded, null, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new ShardWriteResult(inserted, AlreadyCompleted: false, completed);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "storing a shard");
        }
    }

    public async Task<InferenceRun?> FinishRunAsync(Guid runId, RunStatus status, string? reason, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await FinishAsync(connection, null, runId, status, reason, finishedAt, cancellationToken).ConfigureAwait(false)
                ?? await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "finishing a run");
        }
    }

    public async Task<IReadOnlyList<InferenceFailure>> ListFailuresAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT run_id, student_id, skill, error, attempts, failed_at FROM inference_failures WHERE run_id = @run ORDER BY student_id, skill");
            command.Parameters.AddWithValue("run", runId);
            var result = new List<InferenceFailure>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new InferenceFailure(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), PostgresFeatureSource.ToOffset(reader.GetDateTime(5))));
            }

            return result;
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "listing failures");
        }
    }

    public async IAsyncEnumerable<SkillAssessment> ReadAssessmentsAsync(Guid? runId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Read in pages so that a database failure surfaces as a BatchStoreException (no yield inside a try/catch).
        string? afterStudent = null;
        const int page = 10_000;
        while (true)
        {
            var rows = await ReadAssessmentPageAsync(runId, afterStudent, page, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                yield return row;
            }

            if (rows.Count == 0)
            {
                yield break;
            }

            afterStudent = rows[^1].StudentId;
        }
    }

    private async Task<List<SkillAssessment>> ReadAssessmentPageAsync(Guid? runId, string? afterStudent, int students, CancellationToken cancellationToken)
    {
        try
        {
            // Whole students per page: the next page starts after the last student id.
            await using var command = _dataSource.CreateCommand(
                $"""
                SELECT student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at FROM skill_assessments
                WHERE student_id IN (SELECT DISTINCT student_id FROM skill_assessments WHERE {(runId is null ? "TRUE" : "run_id = @run")} {(afterStudent is null ? "" : "AND student_id > @after")} ORDER BY student_id LIMIT @students)
                {(runId is null ? "" : "AND run_id = @run")}
                ORDER BY student_id, skill, model_version, feature_hash
                """);
            if (runId is { } id)
            {
                command.Parameters.AddWithValue("run", id);
            }

            if (afterStudent is not null)
            {
                command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = afterStudent });
            }

            command.Parameters.AddWithValue("students", students);
            var result = new List<SkillAssessment>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new SkillAssessment(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetDouble(2),
                    reader.GetDouble(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    reader.GetString(6),
                    reader.GetGuid(7),
                    PostgresFeatureSource.ToOffset(reader.GetDateTime(8))));
            }

            return result;
        }
        catch (Exception ex) when (PostgresErrors.IsDatabaseFailure(ex))
        {
            throw Fail(ex, "reading assessments");
        }
    }

    private static async Task<int> UpsertAssessmentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SkillAssessment> assessments, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE staging_assessments (LIKE skill_assessments) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY staging_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            foreach (var a in assessments)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.StudentId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Skill, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Score, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Confidence, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.ModelVersion, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.Variant, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.FeatureHash, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.RunId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(a.AssessedAt.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // One upsert; the order keeps concurrent writers of the same rows (a re-delivery) from deadlocking.
        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO skill_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at)
            SELECT student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at FROM staging_assessments
            ORDER BY student_id, skill, model_version, feature_hash
            ON CONFLICT ON CONSTRAINT skill_assessments_key DO NOTHING
            """,
            connection,
            transaction);
        return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task UpsertFailuresAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<InferenceFailure> failures, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO inference_failures (run_id, student_id, skill, error, attempts, failed_at)
            SELECT * FROM unnest(@runs, @students, @skills, @errors, @attempts, @failed_at)
            ON CONFLICT (run_id, student_id, skill) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts, failed_at = EXCLUDED.failed_at
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter("runs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = failures.Select(f => f.RunId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("students", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = failures.Select(f => f.StudentId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("skills", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = failures.Select(f => f.Skill).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = failures.Select(f => f.Error).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = failures.Select(f => f.Attempts).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("failed_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = failures.Select(f => f.FailedAt.UtcDateTime).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<InferenceRun?> FinishAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid runId, RunStatus status, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"UPDATE inference_runs SET status = @status, finished_at = @now, error = @error, {Throughput} WHERE run_id = @run AND status = 'running' RETURNING {RunColumns}",
            connection,
            transaction);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("status", InferenceRunRows.StatusName(status));
        command.Parameters.Add(Timestamp("now", now));
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value });
        return (await ReadRunsAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    private static async Task<List<InferenceRun>> ReadRunsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var runs = new List<InferenceRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(InferenceRunRows.Read(reader, static (r, i) => r.GetGuid(i), static (r, i) => PostgresFeatureSource.ToOffset(r.GetDateTime(i))));
        }

        return runs;
    }

    private static NpgsqlParameter Timestamp(string name, DateTimeOffset? value) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = value is { } v ? v.UtcDateTime : DBNull.Value };

    private BatchStoreException Fail(Exception exception, string operation)
    {
        var translated = PostgresErrors.Translate(exception, operation);
        var kind = translated.Kind.ToString();
        var sqlState = (exception as PostgresException)?.SqlState ?? "none";
        Log.DatabaseFailed(_logger, exception, operation, kind, sqlState);

        return translated;
    }
}
