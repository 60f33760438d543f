using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SkillInference.Batch.Relational;

/// <summary>
/// Stores assessments, runs, shards and failures in a relational database over ADO.NET, the same way for every
/// database; a <see cref="RelationalDialect"/> supplies what differs. A shard is stored in one transaction: its
/// assessments (the dialect's bulk write, keeping rows already present), then, with the run row locked, its failures,
/// its shard row and the run's new totals. The shard row (primary key run, shard) makes a re-delivery roll back without
/// writing anything. The run's bookkeeping is computed in C# by <see cref="RunRules"/>, never by the database.
/// </summary>
internal sealed class RelationalAssessmentStore : IAssessmentStore
{
    private const int AssessmentPageStudents = 5_000;

    private readonly RelationalDatabase _database;
    private readonly RelationalDialect _dialect;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MultiRowInsert<InferenceFailure> _failures;
    private readonly MultiRowInsert<InferenceFailure> _failedItems;
    private readonly MultiRowInsert<ShardTask> _plans;
    private readonly string _selectRuns;
    private readonly string _insertRun;
    private readonly string _updateRun;

    public RelationalAssessmentStore(RelationalDatabase database, TimeProvider timeProvider, ILogger<RelationalAssessmentStore>? logger = null)
    {
        _database = database;
        _dialect = database.Dialect;
        var dialect = _dialect;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _selectRuns = $"SELECT {InferenceRunRows.Columns(dialect)} FROM inference_runs";
        _insertRun = InferenceRunRows.Insert(dialect);
        _updateRun = InferenceRunRows.Update(dialect);
        _failures = new MultiRowInsert<InferenceFailure>(
            "inference_failures",
            ["run_id", "student_id", "skill", "error", "attempts", "failed_at", "permanent"],
            "ON CONFLICT (run_id, student_id, skill) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at, permanent = excluded.permanent",
            (f, values) => BindFailure(dialect, f, values));

        // The items owed: one row per (student, skill) whose last attempt failed, until a shard scores it.
        _failedItems = new MultiRowInsert<InferenceFailure>(
            "failed_items",
            ["run_id", "student_id", "skill", "error", "attempts", "failed_at", "permanent"],
            "ON CONFLICT (student_id, skill) DO UPDATE SET run_id = excluded.run_id, error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at, permanent = excluded.permanent",
            (f, values) => BindFailure(dialect, f, values));
        _plans = new MultiRowInsert<ShardTask>(
            "inference_run_plans",
            ["run_id", "shard", "task"],
            "ON CONFLICT (run_id, shard) DO NOTHING",
            (t, values) =>
            {
                values[0] = dialect.Id(t.RunId);
                values[1] = t.Shard;
                values[2] = System.Text.Encoding.UTF8.GetString(ShardTaskJson.Serialize(t));
            },
            (column, parameter) => column == 2 ? dialect.JsonValue(parameter) : parameter);
    }

    public Task<InferenceRun?> TryStartRunAsync(InferenceRun run, DateTimeOffset abandonBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return _database.ExecuteAsync(_logger, "starting a run", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await _dialect.LockRunStartsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            InferenceRun? active = null;
            foreach (var running in await ReadRunsAsync(connection, transaction, $"WHERE status = 'running' ORDER BY started_at DESC{_dialect.LockRowsSuffix}", null, cancellationToken).ConfigureAwait(false))
            {
                if (RunRules.IsAbandoned(running, abandonBefore))
                {
                    await UpdateRunAsync(connection, transaction, RunRules.Finish(running, RunStatus.Failed, RunRules.AbandonedError, RelationalDialect.Stored(run.StartedAt)), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    active ??= running;
                }
            }

            if (active is null)
            {
                await using var insert = InferenceRunRows.BindInsert(connection.Command(transaction, _insertRun), _dialect, run);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return active;
        }, cancellationToken);
    }

    public Task RecordShardPlanAsync(Guid runId, IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        return _database.ExecuteAsync(_logger, "recording a run's shards", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var written = shards.Count == 0 ? 0 : await _plans.ExecuteAsync(connection, transaction, shards, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return written;
        }, cancellationToken);
    }

    public Task<ShardTask?> GetPlannedShardAsync(Guid runId, int shard, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "reading a planned shard", async connection =>
        {
            await using var command = connection.Command(null, $"SELECT {_dialect.JsonText("task")} FROM inference_run_plans WHERE run_id = @run AND shard = @shard")
                .With("run", _dialect.Id(runId))
                .With("shard", shard);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? ShardTaskJson.Parse(json) : null;
        }, cancellationToken);

    public Task<InferenceRun?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "reading a run", async connection => await ReadRunAsync(connection, null, runId, lockRow: false, cancellationToken).ConfigureAwait(false), cancellationToken);

    public Task<InferenceRun?> GetLastSuccessfulRunAsync(CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "reading the last successful run", async connection =>
            (await ReadRunsAsync(connection, null, "WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1", null, cancellationToken).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<InferenceRun>> ListRecentRunsAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return _database.ExecuteAsync<IReadOnlyList<InferenceRun>>(_logger, "listing runs", async connection =>
            await ReadRunsAsync(connection, null, "ORDER BY started_at DESC LIMIT @count", c => c.With("count", count), cancellationToken).ConfigureAwait(false), cancellationToken);
    }

    public Task<bool> IsShardCompletedAsync(Guid runId, int shard, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "checking a shard", async connection =>
        {
            await using var command = connection.Command(null, "SELECT 1 FROM inference_run_shards WHERE run_id = @run AND shard = @shard")
                .With("run", _dialect.Id(runId))
                .With("shard", shard);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null and not DBNull;
        }, cancellationToken);

    public Task<ShardWriteResult> WriteShardAsync(ShardWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var started = _time.GetTimestamp();
        return _database.ExecuteAsync(_logger, "storing a shard", async connection =>
        {
            var runId = write.Task.RunId;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var inserted = write.Assessments.Count == 0 ? 0 : await _dialect.InsertAssessmentsAsync(connection, transaction, write.Assessments, wholeRange: write.Task.Selection.Mode == BatchMode.Full, cancellationToken).ConfigureAwait(false);

            // Lock the run row only now, so that shards of one run write their rows in parallel and serialize only here.
            var run = await ReadRunAsync(connection, transaction, runId, lockRow: true, cancellationToken).ConfigureAwait(false)
                ?? throw new BatchStoreException(BatchStoreErrorKind.Permanent, $"Run {runId} does not exist; the shard was not stored.");
            if (write.Failures.Count > 0)
            {
                await _failures.ExecuteAsync(connection, transaction, MultiRowInsert<InferenceFailure>.LastPerKey(write.Failures, f => (f.RunId, f.StudentId, f.Skill)), cancellationToken).ConfigureAwait(false);
                await _failedItems.ExecuteAsync(connection, transaction, MultiRowInsert<InferenceFailure>.LastPerKey(write.Failures, f => (f.StudentId, f.Skill)), cancellationToken).ConfigureAwait(false);
            }

            await SettleFailedItemsAsync(connection, transaction, write.Assessments, cancellationToken).ConfigureAwait(false);

            var stats = write.Stats;
            var writeTime = _time.GetElapsedTime(started);
            await using (var shard = connection.Command(
                transaction,
                """
                INSERT INTO inference_run_shards (run_id, shard, students, predictions, failures, inserted, read_ms, score_ms, write_ms, completed_at)
                VALUES (@run, @shard, @students, @predictions, @failures, @inserted, @read_ms, @score_ms, @write_ms, @completed_at)
                ON CONFLICT (run_id, shard) DO NOTHING
                """))
            {
                shard.With("run", _dialect.Id(runId))
                    .With("shard", write.Task.Shard)
                    .With("students", stats.Students)
                    .With("predictions", stats.Predictions)
                    .With("failures", stats.Failures)
                    .With("inserted", inserted)
                    .With("read_ms", stats.ReadTime.TotalMilliseconds)
                    .With("score_ms", stats.ScoreTime.TotalMilliseconds)
                    .With("write_ms", writeTime.TotalMilliseconds)
                    .With("completed_at", _dialect.Timestamp(stats.CompletedAt));
                if (await shard.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    // Stored before (a re-delivery): keep the first write and its stats.
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new ShardWriteResult(0, AlreadyCompleted: true, CompletedRun: null);
                }
            }

            var updated = RunRules.AddShard(run, stats, inserted, writeTime, write.Assessments.Kinds);
            var completed = RunRules.IsComplete(updated) ? RunRules.Finish(updated, RunStatus.Succeeded, null, RelationalDialect.Stored(_time.GetUtcNow())) : null;
            await UpdateRunAsync(connection, transaction, completed ?? updated, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new ShardWriteResult(inserted, AlreadyCompleted: false, completed);
        }, cancellationToken);
    }

    public Task<InferenceRun?> FinishRunAsync(Guid runId, RunStatus status, string? reason, DateTimeOffset finishedAt, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "finishing a run", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var run = await ReadRunAsync(connection, transaction, runId, lockRow: true, cancellationToken).ConfigureAwait(false);
            if (run?.Status == RunStatus.Running)
            {
                run = RunRules.Finish(run, status, reason, RelationalDialect.Stored(finishedAt));
                await UpdateRunAsync(connection, transaction, run, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return run;
        }, cancellationToken);

    public Task<IReadOnlyList<InferenceFailure>> ListFailuresAsync(Guid runId, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync<IReadOnlyList<InferenceFailure>>(_logger, "listing failures", async connection =>
        {
            await using var command = connection.Command(null, "SELECT run_id, student_id, skill, error, attempts, failed_at, permanent FROM inference_failures WHERE run_id = @run ORDER BY student_id, skill")
                .With("run", _dialect.Id(runId));
            var result = new List<InferenceFailure>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new InferenceFailure(_dialect.ReadId(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), _dialect.ReadTimestamp(reader, 5), reader.GetBoolean(6)));
            }

            return result;
        }, cancellationToken);

    public async IAsyncEnumerable<SkillAssessment> ReadAssessmentsAsync(Guid? runId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Read in pages of whole students, so that a database failure surfaces as a BatchStoreException (no yield
        // inside a try/catch) and no read stays open while the caller works.
        string? afterStudent = null;
        while (true)
        {
            var rows = await ReadAssessmentPageAsync(runId, afterStudent, cancellationToken).ConfigureAwait(false);
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

    private Task<List<SkillAssessment>> ReadAssessmentPageAsync(Guid? runId, string? afterStudent, CancellationToken cancellationToken) =>
        _database.ExecuteAsync(_logger, "reading assessments", async connection =>
        {
            var run = runId is null ? "TRUE" : "run_id = @run";
            var after = afterStudent is null ? "" : "AND student_id > @after";
            await using var command = connection.Command(
                null,
                $"""
                SELECT student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at FROM skill_assessments
                WHERE student_id IN (SELECT DISTINCT student_id FROM skill_assessments WHERE {run} {after} ORDER BY student_id LIMIT @students) AND {run}
                ORDER BY student_id, skill, model_version, feature_hash
                """).With("students", AssessmentPageStudents);
            if (runId is { } id)
            {
                command.With("run", _dialect.Id(id));
            }

            if (afterStudent is not null)
            {
                command.With("after", afterStudent);
            }

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
                    _dialect.ReadId(reader, 7),
                    _dialect.ReadTimestamp(reader, 8)));
            }

            return result;
        }, cancellationToken);

    private static void BindFailure(RelationalDialect dialect, InferenceFailure f, object[] values)
    {
        values[0] = dialect.Id(f.RunId);
        values[1] = f.StudentId;
        values[2] = f.Skill;
        values[3] = f.Error;
        values[4] = f.Attempts;
        values[5] = dialect.Timestamp(f.FailedAt);
        values[6] = f.Permanent;
    }

    /// <summary>
    /// Items owed from earlier failures that this shard scored are owed no more. Usually there are none: one query over
    /// the shard's range of students finds them, and only then does the shard's (student, skill) set get built.
    /// </summary>
    private static async Task SettleFailedItemsAsync(DbConnection connection, DbTransaction transaction, AssessmentBlock assessments, CancellationToken cancellationToken)
    {
        if (assessments.Count == 0)
        {
            return;
        }

        string first = assessments.StudentIds[0], last = first;
        foreach (var student in assessments.StudentIds)
        {
            if (StudentIdOrder.Instance.Compare(student, first) < 0)
            {
                first = student;
            }
            else if (StudentIdOrder.Instance.Compare(student, last) > 0)
            {
                last = student;
            }
        }

        var candidates = new List<(string Student, string Skill)>();
        await using (var select = connection.Command(transaction, "SELECT student_id, skill FROM failed_items WHERE student_id >= @first AND student_id <= @last").With("first", first).With("last", last))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                candidates.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var scored = new HashSet<(string Student, string Skill)>(assessments.Count);
        var students = assessments.StudentIds;
        var kinds = assessments.KindIndices;
        for (var i = 0; i < assessments.Count; i++)
        {
            scored.Add((students[i], assessments.Kinds[kinds[i]].Skill));
        }

        foreach (var (student, skill) in candidates.Where(scored.Contains))
        {
            await using var delete = connection.Command(transaction, "DELETE FROM failed_items WHERE student_id = @student AND skill = @skill").With("student", student).With("skill", skill);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<InferenceRun?> ReadRunAsync(DbConnection connection, DbTransaction? transaction, Guid runId, bool lockRow, CancellationToken cancellationToken) =>
        (await ReadRunsAsync(connection, transaction, $"WHERE run_id = @run{(lockRow ? _dialect.LockRowsSuffix : "")}", c => c.With("run", _dialect.Id(runId)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    private async Task<List<InferenceRun>> ReadRunsAsync(DbConnection connection, DbTransaction? transaction, string where, Action<DbCommand>? bind, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(transaction, $"{_selectRuns} {where}");
        bind?.Invoke(command);
        var runs = new List<InferenceRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(InferenceRunRows.Read(reader, _dialect));
        }

        return runs;
    }

    private async Task UpdateRunAsync(DbConnection connection, DbTransaction transaction, InferenceRun run, CancellationToken cancellationToken)
    {
        await using var command = InferenceRunRows.BindUpdate(connection.Command(transaction, _updateRun), _dialect, run);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
