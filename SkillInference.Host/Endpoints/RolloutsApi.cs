using System.Globalization;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Security;
using SkillInference.Registry;
using SkillInference.Rollouts;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/skills/models/{skill}/rollouts</c> endpoints: guarded progressive rollouts (scope operate, audited).</summary>
internal static class RolloutsApi
{
    public static IEndpointRouteBuilder MapRolloutsApiV1(this IEndpointRouteBuilder app)
    {
        var rollouts = app.MapGroup("/api/v1/skills/models/{skill}").WithTags("Operators").RequireAuthorization(Scopes.Operate)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSkillIdCheck();
        rollouts.MapPost("/rollouts", StartAsync).WithName("StartRollout").WithSummary("Start a guarded progressive rollout of a published version (scope operate).");
        rollouts.MapGet("/rollouts", GetAsync).WithName("GetRollouts").WithSummary("The current rollout and past ones, with every decision and its measured values (scope operate).");
        rollouts.MapPost("/rollouts/current/pause", (string skill, RolloutActionRequest? request, HttpContext http, RolloutManager manager, CancellationToken ct) => ApplyAsync(skill, RolloutAction.Pause, request, http, manager, ct))
            .WithName("PauseRollout").WithSummary("Stop stepping; traffic stays at the current step (scope operate).");
        rollouts.MapPost("/rollouts/current/resume", (string skill, RolloutActionRequest? request, HttpContext http, RolloutManager manager, CancellationToken ct) => ApplyAsync(skill, RolloutAction.Resume, request, http, manager, ct))
            .WithName("ResumeRollout").WithSummary("Resume a paused rollout; the step's bake time starts again (scope operate).");
        rollouts.MapPost("/rollouts/current/promote", (string skill, RolloutActionRequest? request, HttpContext http, RolloutManager manager, CancellationToken ct) => ApplyAsync(skill, RolloutAction.Promote, request, http, manager, ct))
            .WithName("PromoteRollout").WithSummary("Deploy the candidate now and end the experiment (scope operate).");
        rollouts.MapPost("/rollouts/current/abort", (string skill, RolloutActionRequest? request, HttpContext http, RolloutManager manager, CancellationToken ct) => ApplyAsync(skill, RolloutAction.Abort, request, http, manager, ct))
            .WithName("AbortRollout").WithSummary("End the rollout: all traffic to stable (scope operate).");
        rollouts.MapPost("/rollouts/current/rollback", (string skill, RolloutActionRequest? request, HttpContext http, RolloutManager manager, CancellationToken ct) => ApplyAsync(skill, RolloutAction.Rollback, request, http, manager, ct))
            .WithName("RollBackRollout").WithSummary("Roll the candidate back: all traffic to stable, the rollout rolled_back (scope operate).");
        return app;
    }

    internal static async Task<Created<RolloutDto>> StartAsync(string skill, RolloutStartRequest? request, HttpContext http, RolloutManager manager, RolloutCounters counters, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Version))
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, "version: the request needs the 'version' to roll out.");
        }

        var bake = ParseBakeTime(request.BakeTime);
        var g = request.Guards;
        var defaults = new RolloutGuards();
        var guards = g is null ? defaults : new RolloutGuards
        {
            MaxErrorRate = g.MaxErrorRate ?? defaults.MaxErrorRate,
            MaxLatencyP99Ms = g.MaxLatencyP99Ms ?? defaults.MaxLatencyP99Ms,
            MaxScorePsi = g.MaxScorePsi ?? defaults.MaxScorePsi,
            SrmAlpha = g.SrmAlpha ?? defaults.SrmAlpha,
            MinCorrelation = g.MinCorrelation ?? defaults.MinCorrelation,
            CorrelationAlpha = g.CorrelationAlpha ?? defaults.CorrelationAlpha,
            MinSamples = g.MinSamples ?? defaults.MinSamples,
        };
        var plan = await manager.StartAsync(skill, new RolloutRequest(request.Version, request.Steps, bake, guards), new ChangeContext(SkillsApi.ClientOf(http), request.Reason), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/skills/models/{skill}/rollouts", ToDto(plan, counters.Get(skill), manager.InstanceId));
    }

    internal static async Task<Ok<RolloutsResponse>> GetAsync(string skill, RolloutManager manager, RolloutCounters counters, CancellationToken cancellationToken)
    {
        var (current, past) = await manager.GetAsync(skill, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RolloutsResponse
        {
            Skill = skill,
            Current = current is null ? null : ToDto(current, counters.Get(skill), manager.InstanceId),
            Past = [.. past.Select(p => ToDto(p, null, manager.InstanceId))],
        });
    }

    private static async Task<Ok<RolloutDto>> ApplyAsync(string skill, RolloutAction action, RolloutActionRequest? request, HttpContext http, RolloutManager manager, CancellationToken cancellationToken)
    {
        var plan = await manager.ApplyAsync(skill, action, new ChangeContext(SkillsApi.ClientOf(http), request?.Reason), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToDto(plan, null, manager.InstanceId));
    }

    private static TimeSpan? ParseBakeTime(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var bake))
        {
            return bake;
        }

        try
        {
            return XmlConvert.ToTimeSpan(text); // ISO 8601, e.g. PT30M
        }
        catch (FormatException)
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, "bakeTime: give a duration as hh:mm:ss (e.g. \"00:30:00\") or ISO 8601 (e.g. \"PT30M\").");
        }
    }

    private static RolloutDto ToDto(RolloutPlan plan, StepCounters? counters, string instance) => new()
    {
        Id = plan.Id,
        Version = plan.Version,
        Stable = plan.Stable,
        State = plan.State,
        Step = plan.Step + 1,
        Weight = plan.Weight,
        Reason = plan.Reason,
        Steps = plan.Steps,
        BakeTime = plan.BakeTime.ToString("c", CultureInfo.InvariantCulture),
        Guards = new RolloutGuardsDto
        {
            MaxErrorRate = plan.Guards.MaxErrorRate,
            MaxLatencyP99Ms = plan.Guards.MaxLatencyP99Ms,
            MaxScorePsi = plan.Guards.MaxScorePsi,
            SrmAlpha = plan.Guards.SrmAlpha,
            MinCorrelation = plan.Guards.MinCorrelation,
            CorrelationAlpha = plan.Guards.CorrelationAlpha,
            MinSamples = plan.Guards.MinSamples,
        },
        StepStartedAt = plan.StepStartedAt,
        CreatedBy = plan.CreatedBy,
        CreatedAt = plan.CreatedAt,
        EndedAt = plan.EndedAt,
        Lease = plan.Lease is { } l ? new RolloutLeaseDto(l.Holder, l.ExpiresAt) : null,
        Decisions = [.. plan.Decisions.Select(ToDto)],
        LastEvaluation = plan.LastEvaluation is { } e ? ToDto(e) : null,
        Metrics = counters is null || counters.EpochKey != plan.EpochKey ? null : new RolloutMetricsDto
        {
            Instance = instance,
            Stable = ToDto(counters.StableVersion, counters.StableAssigned, counters.Stable),
            Candidate = ToDto(counters.CandidateVersion, counters.CandidateAssigned, counters.Candidate),
        },
    };

    private static VariantMetricsDto ToDto(string version, long assigned, ArmCounters arm) => new()
    {
        ModelVersion = version,
        Assigned = assigned,
        Predictions = arm.Predictions,
        Errors = arm.Failures,
        LatencyP99Ms = arm.LatencyP99()?.TotalMilliseconds,
        ScoreHistogram = arm.ScoreBins(),
    };

    private static RolloutDecisionDto ToDto(RolloutDecision d) => new()
    {
        At = d.At,
        Action = d.Action,
        Step = d.Step + 1,
        Weight = d.Weight,
        Actor = d.Actor,
        Reason = d.Reason,
        Guards = [.. d.Guards.Select(g => new GuardResultDto { Guard = g.Guard, Status = g.Status, Value = g.Value, Threshold = g.Threshold, N = g.N, MinN = g.MinN, Detail = g.Detail })],
    };
}
