using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Loading;
using SkillInference.Monitoring;
using SkillInference.Registry;

namespace SkillInference.Rollouts;

/// <summary>
/// Starts and changes rollouts (operators: the API and the CLI) and drives them (<see cref="DriveAsync"/>, called by
/// the background driver of every instance). Every change is a compare-and-swap of the registry, recorded in the
/// skill's history and the rollout's decisions; with a <see cref="ModelCatalog"/> the change is served at once on this
/// instance. Only the holder of the rollout's lease evaluates it, on its own counters; an expired lease may be taken
/// by any instance.
/// </summary>
internal sealed class RolloutManager
{
    private readonly ModelRegistry _registry;
    private readonly TimeProvider _time;
    private readonly RolloutCounters? _counters;
    private readonly IMonitoringNotifier[] _notifiers;
    private readonly IAgreementSource? _agreement;
    private readonly ModelCatalog? _catalog;
    private readonly RolloutOptions _options;
    private readonly ILogger _logger;

    public RolloutManager(
        ModelRegistry registry,
        TimeProvider? timeProvider = null,
        RolloutCounters? counters = null,
        IEnumerable<IMonitoringNotifier>? notifiers = null,
        IAgreementSource? agreement = null,
        ModelCatalog? catalog = null,
        IOptions<RolloutOptions>? options = null,
        ILogger<RolloutManager>? logger = null,
        SkillInferenceMetrics? metrics = null)
    {
        _registry = registry;
        _time = timeProvider ?? TimeProvider.System;
        _counters = counters;
        _notifiers = [.. notifiers ?? []];
        _agreement = agreement;
        _catalog = catalog;
        _options = options?.Value ?? new RolloutOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (metrics is not null)
        {
            ObserveGauges(metrics.Meter);
        }
    }

    private void ObserveGauges(Meter meter)
    {
        meter.CreateObservableGauge(
            "skillinference.rollout.weight",
            () => LastSeen.Select(kv => new Measurement<double>(kv.Value.IsActive ? kv.Value.Weight : kv.Value.State == RolloutStates.Promoted ? 100 : 0, Tags(kv.Key, kv.Value))),
            unit: "%",
            description: "The candidate's share of identified traffic in each skill's latest rollout (0 once rolled back or aborted, 100 once promoted).");
        meter.CreateObservableGauge(
            "skillinference.rollout.step",
            () => LastSeen.Select(kv => new Measurement<int>(kv.Value.Step + 1, Tags(kv.Key, kv.Value))),
            unit: "{step}",
            description: "The current step (1-based) of each skill's latest rollout.");
        meter.CreateObservableGauge(
            "skillinference.rollout.state",
            () => LastSeen.SelectMany(kv => AllStates.Select(state => new Measurement<int>(kv.Value.State == state ? 1 : 0, [new("skill", kv.Key), new("model_version", kv.Value.Version), new("state", state)]))),
            unit: "{state}",
            description: "1 for the state each skill's latest rollout is in (running, paused, waiting_for_traffic, promoted, rolled_back, aborted), 0 for the others.");
        meter.CreateObservableGauge(
            "skillinference.rollout.guard",
            () => LastSeen.SelectMany(kv => (kv.Value.LastEvaluation?.Guards ?? (kv.Value.Decisions.Count > 0 ? kv.Value.Decisions[^1].Guards : null) ?? [])
                .Where(g => g.Value is not null)
                .Select(g => new Measurement<double>(g.Value!.Value, [new("skill", kv.Key), new("model_version", kv.Value.Version), new("guard", g.Guard)]))),
            description: "The value each guard of each skill's latest rollout measured at its latest evaluation (a rate, milliseconds, a PSI, a p-value, r).");
    }

    private static readonly string[] AllStates = [RolloutStates.Running, RolloutStates.Paused, RolloutStates.WaitingForTraffic, RolloutStates.Promoted, RolloutStates.RolledBack, RolloutStates.Aborted];

    private static KeyValuePair<string, object?>[] Tags(string skill, RolloutPlan plan) => [new("skill", skill), new("model_version", plan.Version), new("stable_version", plan.Stable)];

    /// <summary>This instance's id in leases.</summary>
    public string InstanceId => _options.InstanceId;

    /// <summary>The rollouts last seen by the driver (for the gauges).</summary>
    public IReadOnlyDictionary<string, RolloutPlan> LastSeen { get; private set; } = new Dictionary<string, RolloutPlan>();

    /// <summary>Starts a rollout of a published candidate at its first step.</summary>
    /// <exception cref="RegistryException">The request is invalid, the version is not published, or a rollout or experiment is in progress.</exception>
    public async Task<RolloutPlan> StartAsync(string skill, RolloutRequest request, ChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!SemanticVersion.TryParse(request.Version, out var parsed))
        {
            throw Invalid($"version: '{Shorten(request.Version)}' is not a semantic version (MAJOR.MINOR.PATCH).");
        }

        var version = parsed.ToString();
        var steps = request.Steps ?? RolloutRequest.DefaultSteps;
        ValidateSteps(steps);
        var bake = request.BakeTime ?? RolloutRequest.DefaultBakeTime;
        if (bake < TimeSpan.Zero || bake > TimeSpan.FromDays(7))
        {
            throw Invalid("bakeTime: must be between 00:00:00 and 7.00:00:00.");
        }

        var guards = request.Guards ?? new RolloutGuards();
        ValidateGuards(guards);
        await _registry.EnsurePublishedAsync(skill, version, cancellationToken).ConfigureAwait(false);
        var id = ModelRegistry.NewExperimentId();
        var written = await ChangeAsync(skill, [(skill, version)], (current, now) =>
        {
            if (current.Deployed is null)
            {
                throw new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has never been deployed; deploy a stable version first.");
            }

            if (current.Deployed == version)
            {
                throw Invalid($"version: {version} is already deployed; roll out another version.");
            }

            if (current.Rollout is { IsActive: true } active)
            {
                throw new RegistryException(RegistryErrorKind.RolloutState, $"Skill '{skill}' already has a rollout of {active.Version} in progress ({active.State}); promote or abort it first.");
            }

            if (current.Variants.Count > 0)
            {
                throw new RegistryException(RegistryErrorKind.RolloutState, $"Skill '{skill}' has an experiment with variants; end it (an empty variant list) before a rollout.");
            }

            var reason = F($"rollout {id} of {version} started: steps {string.Join("/", steps)} %, bake time {bake}") + (context.Reason is { Length: > 0 } r ? $"; {r}" : "");
            var plan = new RolloutPlan
            {
                Id = id,
                Version = version,
                Stable = current.Deployed,
                Steps = [.. steps],
                BakeTime = bake,
                Guards = guards,
                State = RolloutStates.Running,
                Step = 0,
                Weight = steps[0],
                Reason = F($"step 1 of {steps.Count} ({steps[0]:0.##} %) started"),
                StepStartedAt = now,
                CreatedAt = now,
                CreatedBy = Actor(context),
                Decisions = [new RolloutDecision { At = now, Action = "start", Step = 0, Weight = steps[0], Actor = Actor(context), Reason = reason }],
            };
            return WithSplit(current, plan) with
            {
                Rollout = plan,
                History = [.. current.History, _registry.NewEvent(RegistryActions.Rollout, current.Deployed, current.Deployed, context with { Reason = reason })],
            };
        }, context, "rollout start", cancellationToken).ConfigureAwait(false);
        var started = written.Document.Skills[skill].Rollout!;
        _counters?.Track(skill, started); // this instance serves the split already: count from now
        Remember(skill, started);
        var startedBy = Actor(context);
        var stepList = string.Join("/", steps);
        Log.Started(_logger, started.Id, skill, version, startedBy, stepList);

        Notify(skill, started, started.Decisions[^1].Reason!);
        return started;
    }

    /// <summary>The skill's current rollout (or null) and its past ones, most recent first.</summary>
    public async Task<(RolloutPlan? Current, IReadOnlyList<RolloutPlan> Past)> GetAsync(string skill, CancellationToken cancellationToken)
    {
        var snapshot = await _registry.ReadAsync(cancellationToken).ConfigureAwait(false);
        var registration = snapshot.Document.Skills.GetValueOrDefault(skill)
            ?? throw new RegistryException(RegistryErrorKind.SkillNotFound, $"Skill '{skill}' has never been deployed.");
        return (registration.Rollout, [.. registration.PastRollouts.Reverse()]);
    }

    /// <summary>An operator's action on the current rollout: pause, resume, promote, abort or roll back.</summary>
    /// <returns>The rollout as the action left it.</returns>
    public async Task<RolloutPlan> ApplyAsync(string skill, RolloutAction action, ChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var actor = Actor(context);
        RolloutPlan? result = null;
        var snapshotBefore = await _registry.ReadAsync(cancellationToken).ConfigureAwait(false);
        var prepare = snapshotBefore.Document.Skills.GetValueOrDefault(skill)?.Rollout is { } r0 && action == RolloutAction.Promote ? new[] { (skill, r0.Version) } : [];
        await ChangeAsync(skill, prepare, (current, now) =>
        {
            var plan = current.Rollout is { IsActive: true } p ? p : throw new RegistryException(RegistryErrorKind.NoRollout, $"Skill '{skill}' has no rollout in progress.");
            var why = context.Reason is { Length: > 0 } reason ? reason : null;
            switch (action)
            {
                case RolloutAction.Pause:
                    {
                        if (plan.State == RolloutStates.Paused)
                        {
                            throw new RegistryException(RegistryErrorKind.RolloutState, $"The rollout of {plan.Version} is already paused.");
                        }

                        var text = F($"paused by {actor} at step {plan.Step + 1} ({plan.Weight:0.##} %)") + (why is null ? "" : $": {why}");
                        result = plan with { State = RolloutStates.Paused, Reason = text, Lease = null, Decisions = [.. plan.Decisions, Decision(now, "pause", plan, actor, text)] };
                        return current with { Rollout = result, History = [.. current.History, Event(current, context, text)] };
                    }

                case RolloutAction.Resume:
                    {
                        if (plan.State != RolloutStates.Paused)
                        {
                            throw new RegistryException(RegistryErrorKind.RolloutState, $"The rollout of {plan.Version} is {plan.State}, not paused.");
                        }

                        var text = F($"resumed by {actor} at step {plan.Step + 1} ({plan.Weight:0.##} %); the step's bake time starts again") + (why is null ? "" : $": {why}");
                        result = plan with { State = RolloutStates.Running, Reason = text, StepStartedAt = now, Decisions = [.. plan.Decisions, Decision(now, "resume", plan, actor, text)] };
                        return current with { Rollout = result, History = [.. current.History, Event(current, context, text)] };
                    }

                case RolloutAction.Promote:
                    {
                        var text = F($"promoted by {actor} at step {plan.Step + 1} ({plan.Weight:0.##} %)") + (why is null ? "" : $": {why}");
                        return Promote(current, plan, context, text, now, [], out result);
                    }

                default:
                    {
                        var state = action == RolloutAction.Rollback ? RolloutStates.RolledBack : RolloutStates.Aborted;
                        var verb = action == RolloutAction.Rollback ? "rolled back" : "aborted";
                        var text = F($"{verb} by {actor} at step {plan.Step + 1} ({plan.Weight:0.##} %): all traffic to {plan.Stable}") + (why is null ? "" : $"; {why}");
                        var ended = current.EndExperiment(state, text, actor, now);
                        result = ended.PastRollouts[^1];
                        return ended with { History = [.. current.History, Event(current, context, text)] };
                    }
            }
        }, context, "rollout " + action.ToString().ToLowerInvariant(), cancellationToken).ConfigureAwait(false);

        if (!result!.IsActive)
        {
            _counters?.Stop(skill);
            Log.Ended(_logger, result.Id, skill, result.Version, result.State, actor, result.Reason ?? "");
        }
        else
        {
            _counters?.Track(skill, result);
            Log.StateChanged(_logger, result.Id, skill, result.Version, result.State, actor);
        }

        Remember(skill, result);
        Notify(skill, result, result.Reason ?? result.State);
        return result;
    }

    /// <summary>
    /// One driver tick: for every skill with a rollout, counts its step on this instance and, when this instance holds
    /// (or may take) the lease, evaluates the guards and steps, promotes, rolls back, or records that it waits.
    /// </summary>
    public async Task DriveAsync(CancellationToken cancellationToken)
    {
        RegistrySnapshot snapshot;
        try
        {
            snapshot = await _registry.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelStoreException or RegistryException)
        {
            Log.ReadFailed(_logger, ex);
            return;
        }

        var seen = new Dictionary<string, RolloutPlan>(StringComparer.Ordinal);
        foreach (var (skill, registration) in snapshot.Document.Skills)
        {
            if (registration.Rollout is not { IsActive: true } plan)
            {
                _counters?.Stop(skill);
                if (registration.PastRollouts.Count > 0)
                {
                    seen[skill] = registration.PastRollouts[^1];
                }

                continue;
            }

            seen[skill] = plan;
            var counters = _counters?.Track(skill, plan);
            if (plan.State == RolloutStates.Paused || !_options.DriverEnabled || counters is null)
            {
                continue;
            }

            var now = _time.GetUtcNow();
            if (plan.Lease is { } lease && lease.Holder != InstanceId && lease.ExpiresAt > now)
            {
                continue; // another instance drives this rollout
            }

            try
            {
                await DriveSkillAsync(skill, plan, counters, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException ex) when (ex.Kind == RegistryErrorKind.Conflict)
            {
                Log.Conflict(_logger, skill);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.DriveFailed(_logger, ex, skill);
            }
        }

        LastSeen = seen;
    }

    private async Task DriveSkillAsync(string skill, RolloutPlan seen, StepCounters counters, CancellationToken cancellationToken)
    {
        IReadOnlyList<AgreementResult>? agreement = null;
        if (_agreement is not null)
        {
            agreement = await _agreement.GetLatestAsync(skill, cancellationToken).ConfigureAwait(false);
        }

        var guards = RolloutGuardEvaluator.Evaluate(seen, counters, agreement);
        var context = new ChangeContext(InstanceId);
        string? outcome = null;
        RolloutPlan? result = null;
        var prepare = new[] { (skill, seen.Version) };
        await ChangeAsync(skill, prepare, (current, now) =>
        {
            // Decide only on the rollout the guards were evaluated for, and only while no other instance holds it.
            if (current.Rollout is not { } plan || plan.EpochKey != seen.EpochKey || plan.State != seen.State
                || (plan.Lease is { } held && held.Holder != InstanceId && held.ExpiresAt > now))
            {
                return null;
            }

            var lease = new RolloutLease(InstanceId, now + _options.LeaseDuration);
            var step = F($"step {plan.Step + 1} of {plan.Steps.Count} ({plan.Weight:0.##} %)");
            if (guards.FirstOrDefault(g => g.Status == GuardStatus.Fail) is { } failed)
            {
                var text = F($"guard {failed.Guard} failed at {step}: {failed.Detail}; all traffic to {plan.Stable}");
                var ended = current.EndExperiment(RolloutStates.RolledBack, text, InstanceId, now, guards);
                result = ended.PastRollouts[^1];
                outcome = "rolled_back";
                return ended with { History = [.. current.History, Event(current, context, text)] };
            }

            var elapsed = now - plan.StepStartedAt;
            var baked = elapsed >= plan.BakeTime;
            var blocking = guards.Where(g => g.Status == GuardStatus.Waiting && g.Guard != RolloutGuardEvaluator.Correlation).ToArray();
            if (baked && blocking.Length == 0)
            {
                if (plan.Step + 1 >= plan.Steps.Count)
                {
                    var text = F($"every step passed; {plan.Version} promoted after {step}");
                    outcome = "promoted";
                    return Promote(current, plan, context, text, now, guards, out result);
                }

                var next = plan.Steps[plan.Step + 1];
                var stepText = F($"{step} passed after {elapsed:g}; stepping to {next:0.##} %");
                result = plan with
                {
                    Step = plan.Step + 1,
                    Weight = next,
                    State = RolloutStates.Running,
                    StepStartedAt = now,
                    Reason = F($"step {plan.Step + 2} of {plan.Steps.Count} ({next:0.##} %) started"),
                    Lease = lease,
                    LastEvaluation = null,
                    Decisions = [.. plan.Decisions, Decision(now, "step", plan, InstanceId, stepText, guards)],
                };
                outcome = "step";
                return WithSplit(current, result) with { Rollout = result, History = [.. current.History, Event(current, context, stepText)] };
            }

            var state = baked ? RolloutStates.WaitingForTraffic : RolloutStates.Running;
            var reason = baked
                ? $"waiting for traffic at {step}: " + string.Join("; ", blocking.Select(g => g.Detail))
                : F($"baking {step}: {elapsed:g} of {plan.BakeTime:g}");
            var renew = plan.Lease is not { } mine || mine.Holder != InstanceId || mine.ExpiresAt - now < _options.LeaseDuration / 2;
            if (state == plan.State && !renew)
            {
                return null;
            }

            var evaluation = Decision(now, "evaluate", plan, InstanceId, reason, guards);
            result = plan with
            {
                State = state,
                Reason = reason,
                Lease = lease,
                LastEvaluation = evaluation,
                Decisions = state != plan.State ? [.. plan.Decisions, evaluation with { Action = state == RolloutStates.WaitingForTraffic ? "wait" : "running" }] : plan.Decisions,
            };
            return current with { Rollout = result };
        }, context, "rollout drive", cancellationToken).ConfigureAwait(false);

        switch (outcome)
        {
            case "step":
                _counters?.Track(skill, result!);
                Log.Stepped(_logger, result!.Id, skill, result.Version, result.Weight, InstanceId);
                Notify(skill, result, result.Decisions[^1].Reason!, guards);
                break;
            case "promoted" or "rolled_back":
                _counters?.Stop(skill);
                Log.Ended(_logger, result!.Id, skill, result.Version, result.State, InstanceId, result.Reason ?? "");
                Notify(skill, result, result.Reason!, guards);
                break;
        }
    }

    /// <summary>The gauges show a change made here at once (the driver's next tick replaces the whole view).</summary>
    private void Remember(string skill, RolloutPlan plan) =>
        LastSeen = new Dictionary<string, RolloutPlan>(LastSeen, StringComparer.Ordinal) { [skill] = plan };

    private SkillRegistration Promote(SkillRegistration current, RolloutPlan plan, ChangeContext context, string text, DateTimeOffset now, IReadOnlyList<GuardResult> guards, out RolloutPlan? result)
    {
        var actor = Actor(context);
        var ended = current.EndExperiment(RolloutStates.Promoted, text, actor, now, guards);
        result = ended.PastRollouts[^1];

        // A promotion is a deploy: a later rollback returns to stable.
        return ended with
        {
            Deployed = plan.Version,
            History = [.. current.History, _registry.NewEvent(RegistryActions.Deploy, plan.Version, current.Deployed, context with { Reason = text })],
        };
    }

    private async Task<RegistrySnapshot> ChangeAsync(string skill, IReadOnlyList<(string, string)> prepare, Func<SkillRegistration, DateTimeOffset, SkillRegistration?> change, ChangeContext context, string operation, CancellationToken cancellationToken) =>
        _catalog is null
            ? await _registry.UpdateSkillAsync(skill, change, context, operation, cancellationToken).ConfigureAwait(false)
            : await _catalog.ChangeAsync(prepare, ct => _registry.UpdateSkillAsync(skill, change, context, operation, ct), cancellationToken).ConfigureAwait(false);

    /// <summary>The registration with the split of <paramref name="plan"/>'s step: stable and the candidate by weight, hashed with the rollout's id.</summary>
    private static SkillRegistration WithSplit(SkillRegistration current, RolloutPlan plan) => current with
    {
        Variants = [new TrafficVariant(plan.Stable, 100 - plan.Weight), new TrafficVariant(plan.Version, plan.Weight)],
        ExperimentId = plan.Id,
    };

    private RegistryEvent Event(SkillRegistration current, ChangeContext context, string text) =>
        _registry.NewEvent(RegistryActions.Rollout, current.Deployed, current.Deployed, context with { Reason = text });

    private static RolloutDecision Decision(DateTimeOffset at, string action, RolloutPlan plan, string actor, string reason, IReadOnlyList<GuardResult>? guards = null) =>
        new() { At = at, Action = action, Step = plan.Step, Weight = plan.Weight, Actor = actor, Reason = reason, Guards = guards ?? [] };

    private void Notify(string skill, RolloutPlan plan, string summary, IReadOnlyList<GuardResult>? guards = null)
    {
        if (_notifiers.Length == 0)
        {
            return;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal) { ["step"] = plan.Step + 1, ["weight"] = plan.Weight };
        foreach (var g in guards ?? [])
        {
            if (g.Value is { } v)
            {
                values[g.Guard] = v;
            }
        }

        var notice = new MonitoringNotice("rollout", skill, plan.Version, plan.State, summary, _time.GetUtcNow(), values);
        foreach (var notifier in _notifiers)
        {
            try
            {
                notifier.Publish(notice);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.NotifierFailed(_logger, ex, notifier.GetType().Name);
            }
        }
    }

    private static void ValidateSteps(IReadOnlyList<double> steps)
    {
        if (steps.Count is 0 or > 20)
        {
            throw Invalid("steps: give 1 to 20 steps, each the candidate's share in percent (e.g. [10, 25, 50, 100]).");
        }

        for (var i = 0; i < steps.Count; i++)
        {
            if (!double.IsFinite(steps[i]) || steps[i] <= 0 || steps[i] > 100)
            {
                throw Invalid(F($"steps[{i}]: each step must be a share in percent, above 0 and at most 100."));
            }

            if (i > 0 && steps[i] <= steps[i - 1])
            {
                throw Invalid(F($"steps[{i}]: steps must increase ({steps[i - 1]:0.##} then {steps[i]:0.##})."));
            }
        }
    }

    private static void ValidateGuards(RolloutGuards g)
    {
        static void Check(bool ok, string field, string rule)
        {
            if (!ok)
            {
                throw Invalid($"guards.{field}: {rule}.");
            }
        }

        Check(double.IsFinite(g.MaxErrorRate) && g.MaxErrorRate is >= 0 and <= 1, "maxErrorRate", "must be between 0 and 1");
        Check(double.IsFinite(g.MaxLatencyP99Ms) && g.MaxLatencyP99Ms > 0, "maxLatencyP99Ms", "must be a positive number of milliseconds");
        Check(double.IsFinite(g.MaxScorePsi) && g.MaxScorePsi > 0, "maxScorePsi", "must be positive");
        Check(double.IsFinite(g.SrmAlpha) && g.SrmAlpha is > 0 and < 1, "srmAlpha", "must be between 0 and 1 (exclusive)");
        Check(double.IsFinite(g.MinCorrelation) && g.MinCorrelation is > -1 and < 1, "minCorrelation", "must be between -1 and 1 (exclusive)");
        Check(double.IsFinite(g.CorrelationAlpha) && g.CorrelationAlpha is > 0 and < 1, "correlationAlpha", "must be between 0 and 1 (exclusive)");
        Check(g.MinSamples is >= 1 and <= 10_000_000, "minSamples", "must be between 1 and 10000000");
    }

    private static RegistryException Invalid(string message) => new(RegistryErrorKind.InvalidRequest, message);

    private static string Actor(ChangeContext context) => string.IsNullOrWhiteSpace(context.Actor) ? "unknown" : context.Actor;

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 64 ? text : text[..64] + "...";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
