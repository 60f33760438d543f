using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Inference;

namespace SkillInference.Batch;

/// <summary>
/// Handles one shard: reads its students' features in one query, scores them on every deployed skill (one vectorized
/// pass per skill), retries failed items, and stores scores, failures and stats in one transaction. Idempotent: a shard
/// stored before is not processed again, and storing one twice writes no duplicate rows. A failed item never fails its
/// shard; a database failure does (as a <see cref="BatchStoreException"/>, transient or permanent).
/// </summary>
public sealed class ShardHandler
{
    private readonly ISkillInferenceService _service;
    private readonly IFeatureSource _source;
    private readonly IAssessmentStore _store;
    private readonly BatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the handler.</summary>
    public ShardHandler(
        ISkillInferenceService service,
        IFeatureSource source,
        IAssessmentStore store,
        IOptions<BatchOptions> options,
        TimeProvider timeProvider,
        ILogger<ShardHandler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _service = service;
        _source = source;
        _store = store;
        _options = options.Value;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Processes and stores a shard.</summary>
    /// <exception cref="InferenceException">Not every deployed skill has a model loaded (transient: retry later).</exception>
    /// <exception cref="BatchStoreException">The database failed; <see cref="BatchStoreException.IsTransient"/> says whether to retry.</exception>
    public async Task<ShardResult> HandleAsync(ShardTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (await _store.IsShardCompletedAsync(task.RunId, task.Shard, cancellationToken).ConfigureAwait(false))
        {
            Log.ShardDuplicate(_logger, task.Shard, task.RunId);
            return new ShardResult(task, new ShardStats(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, _time.GetUtcNow()), TimeSpan.Zero, 0, Duplicate: true, CompletedRun: null);
        }

        var work = new ShardWork(task, ServedSkills());
        var started = _time.GetTimestamp();
        var students = await _source.ReadShardAsync(task, cancellationToken).ConfigureAwait(false);
        work.ReadTime += _time.GetElapsedTime(started);
        await InvalidateChangedAsync(task, students, cancellationToken).ConfigureAwait(false);

        await ScoreWithRetriesAsync(work, students, cancellationToken).ConfigureAwait(false);

        var stats = new ShardStats(students.Count, work.Assessments.Count, work.Failures.Count, work.ReadTime, work.ScoreTime, _time.GetUtcNow());
        started = _time.GetTimestamp();
        var written = await _store.WriteShardAsync(new ShardWrite(task, work.Assessments, work.Failures, stats), cancellationToken).ConfigureAwait(false);
        var writeTime = _time.GetElapsedTime(started);

        if (written.AlreadyCompleted)
        {
            Log.ShardDuplicate(_logger, task.Shard, task.RunId);
        }
        else
        {
            Log.ShardStored(_logger, task.Shard, task.RunId, stats.Students, stats.Predictions, stats.Failures, written.Inserted, stats.ReadTime.TotalMilliseconds, stats.ScoreTime.TotalMilliseconds, writeTime.TotalMilliseconds);
        }

        if (written.CompletedRun is { } run)
        {
            Log.RunFinished(_logger, run);
        }

        return new ShardResult(task, stats, writeTime, written.Inserted, written.AlreadyCompleted, written.CompletedRun);
    }

    /// <summary>
    /// An incremental run sees which students' features changed since the last run: their cached scores (online path)
    /// stop being served on every instance. A full run has no "since", so it leaves the cache alone.
    /// </summary>
    private async Task InvalidateChangedAsync(ShardTask task, StudentFeatureBlock students, CancellationToken cancellationToken)
    {
        if (task.Selection.Mode != BatchMode.Incremental || task.Selection.ChangedAfter is not { } since)
        {
            return;
        }

        for (var row = 0; row < students.Count; row++)
        {
            if (students.UpdatedAt[row] > since)
            {
                await _service.InvalidateStudentAsync(students.StudentIdOf(row), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private string[] ServedSkills()
    {
        var status = _service.Status;
        if (!status.IsReady)
        {
            // Storing a shard without every skill would leave students unscored on some skill: retry when loaded.
            throw new InferenceException(
                InferenceErrorKind.ModelNotLoaded,
                "*",
                status.Initialized ? "Not every deployed skill has a model loaded; retry shortly." : "Models are still loading; retry shortly.");
        }

        return [.. status.RegisteredSkills];
    }

    private async Task ScoreWithRetriesAsync(ShardWork work, StudentFeatureBlock students, CancellationToken cancellationToken)
    {
        var pending = students;
        Dictionary<string, HashSet<string>>? wanted = null;
        for (var attempt = 1; ; attempt++)
        {
            var failed = new Dictionary<string, Dictionary<string, ItemFailure>>(StringComparer.Ordinal);
            var started = _time.GetTimestamp();
            var items = new List<(string StudentId, StudentRequest Request)>(pending.Count);
            for (var row = 0; row < pending.Count; row++)
            {
                if (Prepare(pending, row, out var request) is { } error)
                {
                    FailAll(work, failed, wanted, pending.StudentIdOf(row), new ItemFailure(error, Transient: false, "InvalidFeatures"));
                }
                else
                {
                    items.Add((pending.StudentIdOf(row), request!));
                }
            }

            await ScoreAsync(work, items, wanted, failed, isolate: true, cancellationToken).ConfigureAwait(false);
            work.ScoreTime += _time.GetElapsedTime(started);
            if (failed.Count == 0)
            {
                return;
            }

            if (attempt > _options.MaxItemRetries)
            {
                Record(work, failed, attempt);
                return;
            }

            var transient = failed.Values.Any(skills => skills.Values.Any(f => f.Transient));
            Log.RetryingItems(_logger, work.Task.Shard, work.Task.RunId, failed.Count, attempt + 1, transient);
            if (transient && _options.ItemRetryDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.ItemRetryDelay * Math.Pow(2, attempt - 1), _time, cancellationToken).ConfigureAwait(false);
            }

            // Re-read: a retry can only succeed for invalid features if the row was corrected meanwhile.
            started = _time.GetTimestamp();
            pending = await _source.ReadStudentsAsync([.. failed.Keys], cancellationToken).ConfigureAwait(false);
            work.ReadTime += _time.GetElapsedTime(started);
            wanted = failed.ToDictionary(kv => kv.Key, kv => kv.Value.Keys.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        }
    }

    private async Task ScoreAsync(
        ShardWork work,
        List<(string StudentId, StudentRequest Request)> items,
        Dictionary<string, HashSet<string>>? wanted,
        Dictionary<string, Dictionary<string, ItemFailure>> failed,
        bool isolate,
        CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        IReadOnlyList<StudentScores> scores;
        try
        {
            scores = await _service.InferStudentsAsync([.. items.Select(i => i.Request)], cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException ex) when (ex.Kind == InferenceErrorKind.ModelNotLoaded)
        {
            foreach (var (studentId, _) in items)
            {
                FailAll(work, failed, wanted, studentId, new ItemFailure(ex.Message, Transient: true, nameof(InferenceErrorKind.ModelNotLoaded)));
            }

            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (isolate && items.Count > 1)
            {
                // One student's row broke the whole call: score them one by one so only that student fails.
                Log.IsolatingScoringFailure(_logger, work.Task.RunId, ex.GetType().Name);
                foreach (var item in items)
                {
                    await ScoreAsync(work, [item], wanted, failed, isolate: false, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            foreach (var (studentId, _) in items)
            {
                FailAll(work, failed, wanted, studentId, new ItemFailure($"Scoring failed ({ex.GetType().Name}): {ex.Message}", Transient: true, "ScoringFailed"));
            }

            return;
        }

        var now = _time.GetUtcNow();
        var skills = work.Skills;
        for (var i = 0; i < items.Count; i++)
        {
            var id = items[i].StudentId;
            var skillsWanted = wanted?.GetValueOrDefault(id);
            var outcomes = scores[i].Outcomes;
            if (outcomes.Count != skills.Length)
            {
                FailAll(work, failed, wanted, id, new ItemFailure("The deployment changed while the shard was scored.", Transient: true, "DeploymentChanged"));
                continue;
            }

            for (var s = 0; s < skills.Length; s++)
            {
                var skill = skills[s];
                if (skillsWanted is not null && !skillsWanted.Contains(skill))
                {
                    continue;
                }

                var outcome = outcomes[s];
                if (outcome.IsSuccess && outcome.Result.Skill == skill)
                {
                    var r = outcome.Result;
                    work.Assessments.Add(new SkillAssessment(id, skill, r.Score, r.Confidence, r.ModelVersion, r.Variant, r.FeatureHash, work.Task.RunId, now));
                }
                else if (outcome.IsSuccess)
                {
                    Fail(failed, id, skill, new ItemFailure("The deployment changed while the shard was scored.", Transient: true, "DeploymentChanged"));
                }
                else
                {
                    var kind = outcome.Error.Kind;
                    Fail(failed, id, skill, new ItemFailure(outcome.Error.Message, Transient: kind == InferenceErrorKind.ModelNotLoaded, kind.ToString()));
                }
            }
        }
    }

    /// <summary>
    /// TEMPORARY, until the shard is scored by one columnar call on <see cref="StudentFeatureBlock.Rows"/>: turns a row
    /// of the block back into the dictionary <see cref="ISkillInferenceService.InferStudentsAsync"/> takes today (its
    /// values that are not missing); returns why the row cannot be scored, or null.
    /// </summary>
    private static string? Prepare(StudentFeatureBlock students, int row, out StudentRequest? request)
    {
        request = null;
        if (students.ReadErrors[row] is { } readError)
        {
            return $"The stored features cannot be read: {readError}.";
        }

        var rows = students.Rows;
        var values = rows.Row(row);
        var missing = rows.MissingOf(row);
        var features = new Dictionary<string, double?>(rows.Width, StringComparer.Ordinal);
        for (var column = 0; column < rows.Width; column++)
        {
            if (missing.IsEmpty || !missing[column])
            {
                features[rows.FeatureNames[column]] = values[column];
            }
        }

        request = new StudentRequest(students.StudentIdOf(row), features);
        return null;
    }

    private static void FailAll(ShardWork work, Dictionary<string, Dictionary<string, ItemFailure>> failed, Dictionary<string, HashSet<string>>? wanted, string studentId, ItemFailure failure)
    {
        var skillsWanted = wanted?.GetValueOrDefault(studentId);
        foreach (var skill in work.Skills)
        {
            if (skillsWanted is null || skillsWanted.Contains(skill))
            {
                Fail(failed, studentId, skill, failure);
            }
        }
    }

    private static void Fail(Dictionary<string, Dictionary<string, ItemFailure>> failed, string studentId, string skill, ItemFailure failure)
    {
        if (!failed.TryGetValue(studentId, out var skills))
        {
            failed[studentId] = skills = new Dictionary<string, ItemFailure>(StringComparer.Ordinal);
        }

        skills[skill] = failure;
    }

    private void Record(ShardWork work, Dictionary<string, Dictionary<string, ItemFailure>> failed, int attempts)
    {
        var now = _time.GetUtcNow();
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (studentId, skills) in failed)
        {
            foreach (var (skill, failure) in skills)
            {
                work.Failures.Add(new InferenceFailure(work.Task.RunId, studentId, skill, failure.Error, attempts, now));
                kinds[failure.Kind] = kinds.GetValueOrDefault(failure.Kind) + 1;
            }
        }

        Log.ItemsFailed(_logger, work.Task.Shard, work.Task.RunId, work.Failures.Count, attempts, string.Join(", ", kinds.Select(k => $"{k.Key}: {k.Value}")));
    }

    private readonly record struct ItemFailure(string Error, bool Transient, string Kind);

    private sealed class ShardWork(ShardTask task, string[] skills)
    {
        public ShardTask Task { get; } = task;

        public string[] Skills { get; } = skills;

        public List<SkillAssessment> Assessments { get; } = [];

        public List<InferenceFailure> Failures { get; } = [];

        public TimeSpan ReadTime { get; set; }

        public TimeSpan ScoreTime { get; set; }
    }
}
