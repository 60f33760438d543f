using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Inference;

namespace SkillInference.Batch;

/// <summary>
/// Plans and starts batch runs: selects the students (full or incremental), cuts them into keyset-range shards,
/// records the run and hands the shards to the <see cref="IShardDispatcher"/>.
/// </summary>
internal sealed class BatchRunner
{
    private readonly ISkillInferenceService _service;
    private readonly IFeatureSource _source;
    private readonly IAssessmentStore _store;
    private readonly IShardDispatcher _dispatcher;
    private readonly BatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the runner.</summary>
    public BatchRunner(
        ISkillInferenceService service,
        IFeatureSource source,
        IAssessmentStore store,
        IShardDispatcher dispatcher,
        IOptions<BatchOptions> options,
        TimeProvider timeProvider,
        ILogger<BatchRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _service = service;
        _source = source;
        _store = store;
        _dispatcher = dispatcher;
        _options = options.Value;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Plans a run and dispatches its shards. With the in-process dispatcher this returns when the run is finished;
    /// with a queue dispatcher it returns the running run once its shards are queued.
    /// </summary>
    /// <exception cref="BatchRunException">Models are not loaded, another run is in progress, or a shard failed the run.</exception>
    /// <exception cref="BatchStoreException">The database failed while planning.</exception>
    public async Task<InferenceRun> RunAsync(BatchMode mode, CancellationToken cancellationToken = default)
    {
        await _service.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var status = _service.Status;
        if (!status.IsReady)
        {
            var missing = status.RegisteredSkills.Where(s => !status.LiveVersions.ContainsKey(s)).ToArray();
            throw new BatchRunException(
                BatchRunErrorKind.ModelsNotReady,
                status.RegisteredSkills.Count == 0
                    ? "No skill is deployed: there is nothing to score."
                    : $"Not every deployed skill has a model loaded ({string.Join(", ", missing)}); fix or roll back the deployment, then run again.");
        }

        var serving = _service.LoadedModels.Select(m => new ServingVersion(m.Skill, m.Version)).Distinct().OrderBy(v => v.Skill, StringComparer.Ordinal).ThenBy(v => v.Version, StringComparer.Ordinal).ToArray();
        var previous = mode == BatchMode.Incremental ? await _store.GetLastSuccessfulRunAsync(cancellationToken).ConfigureAwait(false) : null;
        var changedSince = previous?.Watermark;
        var selection = mode == BatchMode.Full ? StudentSelection.All : new StudentSelection(BatchMode.Incremental, changedSince, CoverageToCheck(previous, serving));

        // The watermark is taken before the students are listed: a student changed in between is selected next time too.
        var watermark = await _source.GetChangeWatermarkAsync(cancellationToken).ConfigureAwait(false);
        var startedAt = _time.GetUtcNow();
        var runId = Guid.CreateVersion7(startedAt);
        var shards = new List<ShardTask>();
        string? after = null;
        string? last = null;
        var inShard = 0;
        var planned = 0;
        await foreach (var id in _source.ListStudentIdsAsync(selection, cancellationToken).ConfigureAwait(false))
        {
            planned++;
            inShard++;
            last = id;
            if (inShard == _options.ShardSize)
            {
                shards.Add(new ShardTask(runId, shards.Count, after, id, selection));
                after = id;
                inShard = 0;
            }
        }

        if (inShard > 0)
        {
            shards.Add(new ShardTask(runId, shards.Count, after, last!, selection));
        }

        var run = new InferenceRun
        {
            RunId = runId,
            Mode = mode,
            Status = RunStatus.Running,
            StartedAt = startedAt,
            Watermark = watermark,
            ChangedSince = changedSince,
            Dispatcher = _dispatcher.Name,
            Shards = shards.Count,
            StudentsPlanned = planned,
            Serving = serving,
        };
        if (await _store.TryStartRunAsync(run, startedAt - _options.AbandonRunsAfter, cancellationToken).ConfigureAwait(false) is { } active)
        {
            Log.RunAlreadyInProgress(_logger, active.RunId, active.StartedAt);
            throw new BatchRunException(
                BatchRunErrorKind.AlreadyRunning,
                $"Run {active.RunId} ({active.Mode}) has been running since {active.StartedAt:u}; a new run starts when it finishes or after {_options.AbandonRunsAfter} (SkillInference:Batch:AbandonRunsAfter).",
                active.RunId);
        }

        Log.RunPlanned(_logger, runId, mode, planned, shards.Count, _dispatcher.Name);
        try
        {
            // A queue delivers only shards of this plan (the task endpoint checks each against it).
            await _store.RecordShardPlanAsync(runId, shards, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BatchStoreException or OperationCanceledException)
        {
            await TryFailAsync(runId, ex is OperationCanceledException ? "The run was cancelled." : ex.Message).ConfigureAwait(false);
            throw;
        }

        if (shards.Count == 0)
        {
            var empty = await _store.FinishRunAsync(runId, RunStatus.Succeeded, null, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false) ?? run;
            Log.RunFinished(_logger, empty);
            return empty;
        }

        try
        {
            await _dispatcher.DispatchAsync(shards, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var reason = ex is OperationCanceledException ? "The run was cancelled." : ex.Message;
            Log.RunFailed(_logger, ex is OperationCanceledException ? null : ex, runId, reason);
            await TryFailAsync(runId, reason).ConfigureAwait(false);
            if (ex is BatchRunException or OperationCanceledException)
            {
                throw;
            }

            throw new BatchRunException(BatchRunErrorKind.ShardFailed, $"Run {runId} failed: {ex.Message}", runId, ex);
        }

        return await _store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? run;
    }

    /// <summary>
    /// The serving versions an incremental run must check every student's assessments against (a student without one
    /// by a version now serving a skill is selected): none when the last successful run was planned with exactly these
    /// and stored nothing by another version, since every student it did not select (and every one it scored, but for
    /// items still owed) has such an assessment already. Looking costs a probe per student and skill, seconds at
    /// 100,000 students; deploying a version, a variant or a skill brings it back for one run.
    /// </summary>
    private ServingVersion[] CoverageToCheck(InferenceRun? last, ServingVersion[] serving)
    {
        if (last?.Serving is { } covered && covered.Count == serving.Length && !serving.Except(covered).Any())
        {
            Log.CoverageUnchanged(_logger, last.RunId);
            return [];
        }

        return serving;
    }

    private async Task TryFailAsync(Guid runId, string reason)
    {
        try
        {
            // Not the caller's token: a cancelled run must still be recorded as failed.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), _time);
            await _store.FinishRunAsync(runId, RunStatus.Failed, reason, _time.GetUtcNow(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BatchStoreException or OperationCanceledException)
        {
            // The database is what failed; the run stays "running" until it is abandoned.
            Log.RunFailed(_logger, ex, runId, "could not record the failure");
        }
    }
}
