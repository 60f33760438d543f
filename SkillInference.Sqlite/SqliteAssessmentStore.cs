using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Batch;

namespace SkillInference.Sqlite;

/// <summary>
/// Stores assessments, runs, shards and failures in SQLite: a shard's rows in one <c>BEGIN IMMEDIATE</c> transaction with
/// <c>INSERT ... ON CONFLICT DO NOTHING</c>; the shard row (primary key run, shard) makes a re-delivery roll back.
/// </summary>
internal sealed class SqliteAssessmentStore : IAssessmentStore
{
    private const string RunColumns = InferenceRunRows.Columns;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SqliteAssessmentStore(SqliteDatabase database, TimeProvider timeProvider, ILogger<SqliteAssessmentStore>? logger = null)
    {
        _database = database;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<InferenceRun?> TryStartRunAsync(InferenceRun run, DateTimeOffset abandonBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var stale in await ReadRunsAsync(connection, transaction, "WHERE status = 'running' AND started_at < $before", c => c.Parameters.AddWithValue("$before", SqliteDatabase.Timestamp(abandonBefore)), cancellationToken).ConfigureAwait(false))
            {
                await FinishAsync(connection, transaction, stale.RunId, RunStatus.Failed, "Abandoned: still running after the abandon limit when a new run started.", run.StartedAt, cancellationToken).ConfigureAwait(false);
            }

            var active = await ReadRunsAsync(connection, transaction, "WHERE status = 'running' ORDER BY started_at DESC LIMIT 1", null, cancellationToken).ConfigureAwait(false);
            if (active.Count > 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return active[0];
            }

            await using (var command = new SqliteCommand(
                """
                INSERT INTO inference_runs (run_id, mode, status, started_at, watermark, changed_after, dispatcher, shards, students_planned)
                VALUES ($run, $mode, 'running', $started, $watermark, $changed_after, $dispatcher, $shards, $planned)
                """,
                connection,
                transaction))
            {
                command.Parameters.AddWithValue("$run", RunKey(run.RunId));
                command.Parameters.AddWithValue("$mode", InferenceRunRows.ModeName(run.Mode));
                command.Parameters.AddWithValue("$started", SqliteDatabase.Timestamp(run.StartedAt));
                command.Parameters.AddWithValue("$watermark", SqliteDatabase.Timestamp(run.Watermark));
                command.Parameters.AddWithValue("$changed_after", SqliteDatabase.Timestamp(run.ChangedAfter));
                command.Parameters.AddWithValue("$dispatcher", run.Dispatcher);
                command.Parameters.AddWithValue("$shards", run.Shards);
                command.Parameters.AddWithValue("$planned", run.StudentsPlanned);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "starting a run");
        }
    }

    public Task<InferenceRun?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default) =>
        QueryOneAsync("WHERE run_id = $run", c => c.Parameters.AddWithValue("$run", RunKey(runId)), "reading a run", cancellationToken);

    public Task<InferenceRun?> GetLastSuccessfulRunAsync(CancellationToken cancellationToken = default) =>
        QueryOneAsync("WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1", null, "reading the last successful run", cancellationToken);

    public async Task<IReadOnlyList<InferenceRun>> ListRecentRunsAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await ReadRunsAsync(connection, null, "ORDER BY started_at DESC LIMIT $count", c => c.Parameters.AddWithValue("$count", count), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "listing runs");
        }
    }

    public async Task<bool> IsShardCompletedAsync(Guid runId, int shard, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new SqliteCommand("SELECT EXISTS (SELECT 1 FROM inference_run_shards WHERE run_id = $run AND shard = $shard)", connection);
            command.Parameters.AddWithValue("$run", RunKey(runId));
            command.Parameters.AddWithValue("$shard", shard);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) != 0;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "checking a shard");
        }
    }

    public async Task<ShardWriteResult> WriteShardAsync(ShardWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            var started = _time.GetTimestamp();
            var run = RunKey(write.Task.RunId);
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            await using (var exists = new SqliteCommand("SELECT 1 FROM inference_runs WHERE run_id = $run", connection, transaction))
            {
                exists.Parameters.AddWithValue("$run", run);
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new BatchStoreException(BatchStoreErrorKind.Permanent, $"Run {write.Task.RunId} does not exist; the shard was not stored.");
                }
            }

            var inserted = await InsertAssessmentsAsync(connection, transaction, write.Assessments, cancellationToken).ConfigureAwait(false);
            await UpsertFailuresAsync(connection, transaction, write.Failures, cancellationToken).ConfigureAwait(false);

            var stats = write.Stats;
            var writeMs = _time.GetElapsedTime(started).TotalMilliseconds;
            await using (var command = new SqliteCommand(
                """
                INSERT INTO inference_run_shards (run_id, shard, students, predictions, failures, inserted, read_ms, score_ms, write_ms, completed_at)
                VALUES ($run, $shard, $students, $predictions, $failures, $inserted, $read_ms, $score_ms, $write_ms, $completed_at)
                ON CONFLICT (run_id, shard) DO NOTHING
                """,
                connection,
                transaction))
            {
                command.Parameters.AddWithValue("$run", run);
                command.Parameters.AddWithValue("$shard", write.Task.Shard);
                command.Parameters.AddWithValue("$students", stats.Students);
                command.Parameters.AddWithValue("$predictions", stats.Predictions);
                command.Parameters.AddWithValue("$failures", stats.Failures);
                command.Parameters.AddWithValue("$inserted", inserted);
                command.Parameters.AddWithValue("$read_ms", stats.ReadTime.TotalMilliseconds);
                command.Parameters.AddWithValue("$score_ms", stats.ScoreTime.TotalMilliseconds);
                command.Parameters.AddWithValue("$write_ms", writeMs);
                command.Parameters.AddWithValue("$completed_at", SqliteDatabase.Timestamp(stats.CompletedAt));
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    // Stored before (a re-delivery): keep the first write and its stats.
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new ShardWriteResult(0, AlreadyCompleted: true, CompletedRun: null);
                }
            }

            bool last;
            await using (var command = new SqliteCommand(
                """
                UPDATE inference_runs SET
                    shards_completed = shards_completed + 1, students = students + $students, predictions = predictions + $predictions,
                    failures = failures + $failures, inserted = inserted + $inserted,
                    read_ms = read_ms + $read_ms, score_ms = score_ms + $score_ms, write_ms = write_ms + $write_ms
                WHERE run_id = $run
                RETURNING shards_completed >= shards AND status = 'running'
                """,
                connection,
                transaction))
            {
                command.Parameters.AddWithValue("$run", run);
                command.Parameters.AddWithValue("$students", stats.Students);
                command.Parameters.AddWithValue("$predictions", stats.Predictions);
                command.Parameters.AddWithValue("$failures", stats.Failures);
                command.Parameters.AddWithValue("$inserted", inserted);
                command.Parameters.AddWithValue("$read_ms", stats.ReadTime.TotalMilliseconds);
                command.Parameters.AddWithValue("$score_ms", stats.ScoreTime.TotalMilliseconds);
                command.Parameters.AddWithValue("$write_ms", writeMs);
                last = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) != 0;
            }

            var completed = last
                ? await FinishAsync(connection, transaction, write.Task.RunId, RunStatus.Succeeded, null, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false)
                : null;
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new ShardWriteResult(inserted, AlreadyCompleted: false, completed);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "storing a shard");
        }
    }

    public async Task<InferenceRun?> FinishRunAsync(Guid runId, RunStatus status, string? reason, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var finished = await FinishAsync(connection, transaction, runId, status, reason, finishedAt, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return finished ?? await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "finishing a run");
        }
    }

    public async Task<IReadOnlyList<InferenceFailure>> ListFailuresAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new SqliteCommand("SELECT student_id, skill, error, attempts, failed_at FROM inference_failures WHERE run_id = $run ORDER BY student_id, skill", connection);
            command.Parameters.AddWithValue("$run", RunKey(runId));
            var result = new List<InferenceFailure>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new InferenceFailure(runId, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), SqliteDatabase.ParseTimestamp(reader.GetString(4))));
            }

            return result;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "listing failures");
        }
    }

    public async IAsyncEnumerable<SkillAssessment> ReadAssessmentsAsync(Guid? runId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? afterStudent = null;
        while (true)
        {
            var rows = await ReadAssessmentPageAsync(runId, afterStudent, 5_000, cancellationToken).ConfigureAwait(false);
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
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var run = runId is null ? "1" : "run_id = $run";
            var after = afterStudent is null ? "" : "AND student_id > $after";
            await using var command = new SqliteCommand(
                $"""
                SELECT student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at FROM skill_assessments
                WHERE student_id IN (SELECT DISTINCT student_id FROM skill_assessments WHERE {run} {after} ORDER BY student_id LIMIT $students) AND {run}
                ORDER BY student_id, skill, model_version, feature_hash
                """,
                connection);
            if (runId is { } id)
            {
                command.Parameters.AddWithValue("$run", RunKey(id));
            }

            if (afterStudent is not null)
            {
                command.Parameters.AddWithValue("$after", afterStudent);
            }

            command.Parameters.AddWithValue("$students", students);
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
                    Guid.Parse(reader.GetString(7)),
                    SqliteDatabase.ParseTimestamp(reader.GetString(8))));
            }

            return result;
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, "reading assessments");
        }
    }

    private static async Task<int> InsertAssessmentsAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<SkillAssessment> assessments, CancellationToken cancellationToken)
    {
        if (assessments.Count == 0)
        {
            return 0;
        }

        await using var command = new SqliteCommand(
            """
            INSERT INTO skill_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at)
            VALUES ($student, $skill, $score, $confidence, $version, $variant, $hash, $run, $at)
            ON CONFLICT (student_id, skill, model_version, feature_hash) DO NOTHING
            """,
            connection,
            transaction);
        var student = command.Parameters.Add("$student", SqliteType.Text);
        var skill = command.Parameters.Add("$skill", SqliteType.Text);
        var score = command.Parameters.Add("$score", SqliteType.Real);
        var confidence = command.Parameters.Add("$confidence", SqliteType.Real);
        var version = command.Parameters.Add("$version", SqliteType.Text);
        var variant = command.Parameters.Add("$variant", SqliteType.Text);
        var hash = command.Parameters.Add("$hash", SqliteType.Text);
        var run = command.Parameters.Add("$run", SqliteType.Text);
        var at = command.Parameters.Add("$at", SqliteType.Text);
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var inserted = 0;
        foreach (var a in assessments)
        {
            student.Value = a.StudentId;
            skill.Value = a.Skill;
            score.Value = a.Score;
            confidence.Value = a.Confidence;
            version.Value = a.ModelVersion;
            variant.Value = a.Variant;
            hash.Value = a.FeatureHash;
            run.Value = RunKey(a.RunId);
            at.Value = SqliteDatabase.Timestamp(a.AssessedAt);
            inserted += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return inserted;
    }

    private static async Task UpsertFailuresAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<InferenceFailure> failures, CancellationToken cancellationToken)
    {
        if (failures.Count == 0)
        {
            return;
        }

        await using var command = new SqliteCommand(
            """
            INSERT INTO inference_failures (run_id, student_id, skill, error, attempts, failed_at) VALUES ($run, $student, $skill, $error, $attempts, $at)
            ON CONFLICT (run_id, student_id, skill) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at
            """,
            connection,
            transaction);
        var run = command.Parameters.Add("$run", SqliteType.Text);
        var student = command.Parameters.Add("$student", SqliteType.Text);
        var skill = command.Parameters.Add("$skill", SqliteType.Text);
        var error = command.Parameters.Add("$error", SqliteType.Text);
        var attempts = command.Parameters.Add("$attempts", SqliteType.Integer);
        var at = command.Parameters.Add("$at", SqliteType.Text);
        foreach (var f in failures)
        {
            run.Value = RunKey(f.RunId);
            student.Value = f.StudentId;
            skill.Value = f.Skill;
            error.Value = f.Error;
            attempts.Value = f.Attempts;
            at.Value = SqliteDatabase.Timestamp(f.FailedAt);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<InferenceRun?> FinishAsync(SqliteConnection connection, SqliteTransaction transaction, Guid runId, RunStatus status, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var current = (await ReadRunsAsync(connection, transaction, "WHERE run_id = $run AND status = 'running'", c => c.Parameters.AddWithValue("$run", RunKey(runId)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (current is null)
        {
            return null;
        }

        var duration = now - current.StartedAt;
        var seconds = duration.TotalSeconds;
        await using (var command = new SqliteCommand(
            """
            UPDATE inference_runs SET status = $status, finished_at = $now, error = $error, duration_ms = $duration_ms,
                students_per_second = $students_per_second, predictions_per_second = $predictions_per_second
            WHERE run_id = $run
            """,
            connection,
            transaction))
        {
            command.Parameters.AddWithValue("$run", RunKey(runId));
            command.Parameters.AddWithValue("$status", InferenceRunRows.StatusName(status));
            command.Parameters.AddWithValue("$now", SqliteDatabase.Timestamp(now));
            command.Parameters.AddWithValue("$error", (object?)reason ?? DBNull.Value);
            command.Parameters.AddWithValue("$duration_ms", Math.Max(duration.TotalMilliseconds, 0));
            command.Parameters.AddWithValue("$students_per_second", seconds > 0 ? current.Students / seconds : DBNull.Value);
            command.Parameters.AddWithValue("$predictions_per_second", seconds > 0 ? current.Predictions / seconds : DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return (await ReadRunsAsync(connection, transaction, "WHERE run_id = $run", c => c.Parameters.AddWithValue("$run", RunKey(runId)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    private async Task<InferenceRun?> QueryOneAsync(string where, Action<SqliteCommand>? bind, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            return (await ReadRunsAsync(connection, null, where, bind, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        }
        catch (Exception ex) when (SqliteErrors.IsDatabaseFailure(ex))
        {
            throw SqliteDatabase.Fail(_logger, ex, operation);
        }
    }

    private static async Task<List<InferenceRun>> ReadRunsAsync(SqliteConnection connection, SqliteTransaction? transaction, string where, Action<SqliteCommand>? bind, CancellationToken cancellationToken)
    {
        await using var command = new SqliteCommand($"SELECT {RunColumns} FROM inference_runs {where}", connection, transaction);
        bind?.Invoke(command);
        var runs = new List<InferenceRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(InferenceRunRows.Read(reader, static (r, i) => Guid.Parse(r.GetString(i)), static (r, i) => SqliteDatabase.ParseTimestamp(r.GetString(i))));
        }

        return runs;
    }

    private static string RunKey(Guid runId) => runId.ToString("D", CultureInfo.InvariantCulture);
}
