using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using SkillInference.Inference;
using Failures = System.Collections.Generic.Dictionary<string, System.Collections.Generic.Dictionary<string, SkillInference.Batch.ShardHandler.ItemFailure>>;

namespace SkillInference.Batch;

/// <summary>
/// Handles one shard: reads its students' features in one query, scores them on every deployed skill (one vectorized
/// pass per skill), retries failed items, and stores scores, failures and stats in one transaction. Idempotent: a shard
/// stored before is not processed again, and storing one twice writes no duplicate rows. A failed item never fails its
/// shard; a database failure does (as a <see cref="BatchStoreException"/>, transient or permanent).
/// </summary>
internal sealed class ShardHandler
{
    private readonly ISkillInferenceService _service;
    private readonly IFeatureSource _source;
    private readonly IAssessmentStore _store;
    private readonly BatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<Failures> _itemRetries;
    private static readonly ResiliencePropertyKey<ShardWork> WorkKey = new("SkillInference.ShardWork");

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
        _itemRetries = BuildItemRetries();
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
    /// An incremental run (after a first one) selects the students whose features changed since the last run, or that
    /// are due again: their cached scores (online path) stop being served on every instance. A full run has no "since",
    /// so it leaves the cache alone.
    /// </summary>
    private async Task InvalidateChangedAsync(ShardTask task, StudentFeatureBlock students, CancellationToken cancellationToken)
    {
        if (task.Selection.Mode != BatchMode.Incremental || task.Selection.ChangedSince is null)
        {
            return;
        }

        for (var row = 0; row < students.Count; row++)
        {
            await _service.InvalidateStudentAsync(students.StudentIdOf(row), cancellationToken).ConfigureAwait(false);
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
        Failures? previous = null;
        var attempts = 0;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(WorkKey, work);
        Failures failed;
        try
        {
            failed = await _itemRetries.ExecuteAsync(
                async ctx =>
                {
                    attempts++;
                    var started = _time.GetTimestamp();
                    if (previous is not null)
                    {
                        // Re-read: a retry can only succeed for invalid features if the row was corrected meanwhile.
                        pending = await _source.ReadStudentsAsync([.. previous.Keys], ctx.CancellationToken).ConfigureAwait(false);
                        work.ReadTime += _time.GetElapsedTime(started);
                        wanted = previous.ToDictionary(kv => kv.Key, kv => kv.Value.Keys.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
                        started = _time.GetTimestamp();
                    }

                    var failures = new Failures(StringComparer.Ordinal);
                    for (var row = 0; row < pending.Count; row++)
                    {
                        if (pending.ReadErrors[row] is { } readError)
                        {
                            FailAll(work, failures, wanted, pending.StudentIdOf(row), new ItemFailure($"The stored features cannot be read: {readError}.", Transient: false, "InvalidFeatures"));
                        }
                    }

                    await ScoreAsync(work, pending, wanted, failures, isolate: true, ctx.CancellationToken).ConfigureAwait(false);
                    work.ScoreTime += _time.GetElapsedTime(started);
                    previous = failures;
                    return failures;
                },
                context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (failed.Count > 0)
        {
            Record(work, failed, attempts);
        }
    }

    /// <summary>
    /// Items that failed are retried (up to <see cref="BatchOptions.MaxItemRetries"/> times) through the Polly pipeline
    /// <c>SkillInference.Batch.Items</c>: at once when every failure is permanent (invalid features may have been
    /// corrected meanwhile), else after an exponential wait from <see cref="BatchOptions.ItemRetryDelay"/>.
    /// </summary>
    private ResiliencePipeline<Failures> BuildItemRetries()
    {
        if (_options.MaxItemRetries <= 0)
        {
            return ResiliencePipeline<Failures>.Empty;
        }

        return new ResiliencePipelineBuilder<Failures> { Name = "SkillInference.Batch.Items", TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<Failures>
            {
                MaxRetryAttempts = _options.MaxItemRetries,
                Delay = _options.ItemRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Count: > 0 }),
                DelayGenerator = args => ValueTask.FromResult(AnyTransient(args.Outcome.Result!) ? (TimeSpan?)null : TimeSpan.Zero),
                OnRetry = args =>
                {
                    var work = args.Context.Properties.GetValue(WorkKey, null!);
                    var transient = AnyTransient(args.Outcome.Result!);
                    Log.RetryingItems(_logger, work.Task.Shard, work.Task.RunId, args.Outcome.Result!.Count, args.AttemptNumber + 2, transient);
                    return default;
                },
            })
            .Build();
    }

    private static bool AnyTransient(Failures failed) => failed.Values.Any(skills => skills.Values.Any(f => f.Transient));

    /// <summary>
    /// Scores the block's readable rows on every served skill in one columnar call (per skill, one vectorized pass), and
    /// turns each row's outcome into an assessment or a failure. A failure of the call itself (not of an item) is
    /// isolated by scoring the rows one by one, so only the row that causes it fails.
    /// </summary>
    private async Task ScoreAsync(
        ShardWork work,
        StudentFeatureBlock block,
        Dictionary<string, HashSet<string>>? wanted,
        Dictionary<string, Dictionary<string, ItemFailure>> failed,
        bool isolate,
        CancellationToken cancellationToken)
    {
        if (block.Count == 0)
        {
            return;
        }

        IReadOnlyList<RowScores> bySkill;
        try
        {
            bySkill = await _service.InferRowsOnAllSkillsAsync(block.Rows, RowScoringOptions.Default, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException ex) when (ex.Kind == InferenceErrorKind.ModelNotLoaded)
        {
            FailReadable(work, block, failed, wanted, new ItemFailure(ex.Message, Transient: true, nameof(InferenceErrorKind.ModelNotLoaded)));
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (isolate && block.Count > 1)
            {
                Log.IsolatingScoringFailure(_logger, work.Task.RunId, ex.GetType().Name);
                for (var row = 0; row < block.Count; row++)
                {
                    if (block.ReadErrors[row] is null)
                    {
                        await ScoreAsync(work, block.Slice(row), wanted, failed, isolate: false, cancellationToken).ConfigureAwait(false);
                    }
                }

                return;
            }

            FailReadable(work, block, failed, wanted, new ItemFailure($"Scoring failed ({ex.GetType().Name}).", Transient: true, "ScoringFailed"));
            return;
        }

        var skills = work.Skills;
        if (bySkill.Count != skills.Length || bySkill.Where((scores, s) => scores.Skill != skills[s]).Any())
        {
            FailReadable(work, block, failed, wanted, new ItemFailure("The deployment changed while the shard was scored.", Transient: true, "DeploymentChanged"));
            return;
        }

        var now = _time.GetUtcNow();
        var runId = work.Task.RunId;
        var assessments = work.Assessments;

        // Per skill, the kind (version, variant) of the last row: rows of a skill share a handful, so the lookup is
        // a reference comparison almost every time.
        Span<int> lastKind = stackalloc int[skills.Length];
        var lastVersion = new string?[skills.Length];
        var lastVariant = new string?[skills.Length];
        for (var row = 0; row < block.Count; row++)
        {
            if (block.ReadErrors[row] is not null)
            {
                continue;
            }

            var id = block.StudentIdOf(row);
            var skillsWanted = wanted?.GetValueOrDefault(id);
            for (var s = 0; s < skills.Length; s++)
            {
                var skill = skills[s];
                if (skillsWanted is not null && !skillsWanted.Contains(skill))
                {
                    continue;
                }

                var scores = bySkill[s];
                if (scores.ErrorOf(row) is { } error)
                {
                    var transient = error.Kind is InferenceErrorKind.ModelNotLoaded or InferenceErrorKind.ModelFailure;
                    Fail(failed, id, skill, new ItemFailure(error.Message, transient, error.Kind.ToString()));
                    continue;
                }

                var version = scores.ModelVersionOf(row);
                var variant = scores.VariantOf(row);
                if (!ReferenceEquals(version, lastVersion[s]) || !ReferenceEquals(variant, lastVariant[s]))
                {
                    lastKind[s] = assessments.KindOf(skill, version, variant, runId, now);
                    lastVersion[s] = version;
                    lastVariant[s] = variant;
                }

                assessments.Add(id, lastKind[s], scores.ScoreOf(row), scores.ConfidenceOf(row), scores.FeatureHashOf(row));
            }
        }
    }

    private static void FailReadable(ShardWork work, StudentFeatureBlock block, Dictionary<string, Dictionary<string, ItemFailure>> failed, Dictionary<string, HashSet<string>>? wanted, ItemFailure failure)
    {
        for (var row = 0; row < block.Count; row++)
        {
            if (block.ReadErrors[row] is null)
            {
                FailAll(work, failed, wanted, block.StudentIdOf(row), failure);
            }
        }
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
                work.Failures.Add(new InferenceFailure(work.Task.RunId, studentId, skill, failure.Error, attempts, now, Permanent: !failure.Transient));
                kinds[failure.Kind] = kinds.GetValueOrDefault(failure.Kind) + 1;
            }
        }

        Log.ItemsFailed(_logger, work.Task.Shard, work.Task.RunId, work.Failures.Count, attempts, string.Join(", ", kinds.Select(k => $"{k.Key}: {k.Value}")));
    }

    internal readonly record struct ItemFailure(string Error, bool Transient, string Kind);

    private sealed class ShardWork(ShardTask task, string[] skills)
    {
        public ShardTask Task { get; } = task;

        public string[] Skills { get; } = skills;

        public AssessmentBlock Assessments { get; } = new(1024);

        public List<InferenceFailure> Failures { get; } = [];

        public TimeSpan ReadTime { get; set; }

        public TimeSpan ScoreTime { get; set; }
    }
}
