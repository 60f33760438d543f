using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Host.Security;
using SkillInference.Monitoring;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/monitoring</c> endpoints (scope operate): validation against teacher ratings, drift, alerts.</summary>
internal static class MonitoringApi
{
    /// <summary>How far back <c>GET /alerts</c> looks for cleared alerts by default.</summary>
    public static readonly TimeSpan DefaultAlertHistory = TimeSpan.FromDays(7);

    /// <summary>The most alerts one answer lists.</summary>
    public const int MaxAlerts = 500;

    public static IEndpointRouteBuilder MapMonitoringApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/monitoring").WithTags("Monitoring").RequireAuthorization(Scopes.Operate)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/validation", GetValidationAsync).WithName("GetValidation")
            .WithSummary("The latest validation against teacher ratings per skill, model version and variant (r, n, 95 % interval, Spearman, coverage, state); with since=<ISO 8601 time>, also every result since then.");
        api.MapPost("/validation/run", RunValidationAsync).WithName("RunValidation")
            .WithSummary("Run the validation now (as the schedule does) and answer its results.");
        api.MapGet("/drift", GetDriftAsync).WithName("GetDrift")
            .WithSummary("PSI and Jensen-Shannon of this instance's live scores and features against each bundle's reference histograms over the rolling window, with latency p50/p99; evaluate=true also applies the drift and latency alert rules now.");
        api.MapGet("/drift/runs/{runId:guid}", GetRunDriftAsync).WithName("GetRunDrift")
            .WithSummary("PSI and Jensen-Shannon of one batch run's stored scores against each bundle's reference score histogram, per skill and version (the same thresholds and minimum sample as the online window).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/alerts", GetAlertsAsync).WithName("GetAlerts")
            .WithSummary("The open alerts and those updated since (default: the last 7 days), newest first.");
        return app;
    }

    internal static async Task<Results<Ok<ValidationResponse>, ProblemHttpResult>> GetValidationAsync(string? since, string? skill, IMonitoringStore store, CancellationToken cancellationToken)
    {
        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (!TryParseTime(since, out var parsed))
            {
                return BadTime("since");
            }

            from = parsed;
        }

        var latest = await store.GetLatestValidationAsync(skill, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ValidationResultDto>? history = null;
        if (from is { } f)
        {
            var all = await store.GetValidationHistoryAsync(f, cancellationToken).ConfigureAwait(false);
            history = [.. all.Where(r => skill is null || r.Skill == skill).Select(ToDto)];
        }

        return TypedResults.Ok(new ValidationResponse { Results = [.. latest.Select(ToDto)], History = history });
    }

    internal static async Task<Ok<ValidationResponse>> RunValidationAsync(ValidationJob job, CancellationToken cancellationToken)
    {
        var run = await job.RunAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ValidationResponse { Results = [.. run.Results.Select(ToDto)] });
    }

    internal static async Task<Results<Ok<AlertsResponse>, ProblemHttpResult>> GetAlertsAsync(string? since, IMonitoringStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var from = time.GetUtcNow() - DefaultAlertHistory;
        if (since is not null && !TryParseTime(since, out from))
        {
            return BadTime("since");
        }

        var alerts = await store.GetAlertsAsync(from, MaxAlerts, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new AlertsResponse { Alerts = [.. alerts.Select(ToDto)] });
    }

    internal static async Task<Ok<DriftResponse>> GetDriftAsync(bool? evaluate, DriftMonitor drift, AlertManager alerts, MonitoringGauges gauges, Microsoft.Extensions.Options.IOptions<MonitoringOptions> options, CancellationToken cancellationToken)
    {
        var snapshots = evaluate == true ? await drift.EvaluateAsync(alerts, gauges, cancellationToken).ConfigureAwait(false) : drift.Snapshot();
        var o = options.Value;
        return TypedResults.Ok(new DriftResponse
        {
            WindowHours = o.DriftWindow.TotalHours,
            BucketMinutes = o.DriftBucket.TotalMinutes,
            PsiWatch = o.PsiWatch,
            PsiAlert = o.PsiAlert,
            MinimumSample = o.DriftMinimumSample,
            Models = [.. snapshots.Select(ToDto)],
        });
    }

    internal static async Task<Results<Ok<RunDriftResponse>, ProblemHttpResult>> GetRunDriftAsync(Guid runId, IServiceProvider services, SkillInference.Loading.ModelCatalog catalog, Microsoft.Extensions.Options.IOptions<MonitoringOptions> options, CancellationToken cancellationToken)
    {
        if (services.GetService<SkillInference.Batch.IAssessmentStore>() is not { } store || await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status404NotFound, "Unknown run", "No batch run has this id."));
        }

        var snapshots = await BatchRunDrift.ComputeAsync(store, catalog.Current, runId, options.Value, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RunDriftResponse { RunId = runId, Status = run.Status.ToString().ToLowerInvariant(), PsiWatch = options.Value.PsiWatch, PsiAlert = options.Value.PsiAlert, MinimumSample = options.Value.DriftMinimumSample, Models = [.. snapshots.Select(ToDto)] });
    }

    internal static DriftDto ToDto(DriftSnapshot s) => new()
    {
        Skill = s.Skill,
        ModelVersion = s.ModelVersion,
        N = s.N,
        ScorePsi = s.ScorePsi,
        ScoreJensenShannon = s.ScoreJensenShannon,
        State = s.State,
        Features = [.. s.Features.Take(5).Select(f => new FeatureDriftDto { Name = f.Name, Psi = f.Psi, JensenShannon = f.JensenShannon, N = f.N })],
        ScoreEdges = s.ScoreEdges,
        ScoreCounts = s.ScoreCounts,
        ReferenceCounts = s.ReferenceCounts,
        Requests = s.Requests,
        LatencyP50Ms = Ms(s.LatencyP50),
        LatencyP99Ms = Ms(s.LatencyP99),
        Cached = s.Cached,
        CacheHitRate = s.Cached + s.N == 0 ? null : (double)s.Cached / (s.Cached + s.N),
        Series = [.. s.Series.Select(b => new DriftBucketDto { Start = b.Start, Rows = b.Rows, Cached = b.Cached, LatencyP50Ms = Ms(b.LatencyP50), LatencyP99Ms = Ms(b.LatencyP99) })],
    };

    internal static ValidationResultDto ToDto(ValidationResult r) => new()
    {
        Skill = r.Skill,
        ModelVersion = r.ModelVersion,
        Variant = r.Variant,
        PearsonR = r.PearsonR,
        N = r.N,
        Ci = r.CiLow is { } low && r.CiHigh is { } high ? [low, high] : null,
        Spearman = r.Spearman,
        Coverage = r.Coverage,
        AssessedStudents = r.AssessedStudents,
        MedianLabelDelaySeconds = r.MedianLabelDelay?.TotalSeconds,
        State = r.State,
        Threshold = r.Threshold,
        MinimumN = r.MinimumN,
        EvaluatedAt = r.EvaluatedAt,
    };

    internal static AlertDto ToDto(MonitoringAlert a) => new()
    {
        Id = a.Id,
        Kind = a.Kind,
        Skill = a.Skill,
        ModelVersion = a.ModelVersion,
        State = a.State,
        Value = a.Value,
        Threshold = a.Threshold,
        N = a.N,
        Ci = a.CiLow is { } low && a.CiHigh is { } high ? [low, high] : null,
        Summary = a.Summary,
        Since = a.OpenedAt,
        UpdatedAt = a.UpdatedAt,
        ClearedAt = a.ClearedAt,
    };

    private static double? Ms(double? seconds) => seconds is { } v && double.IsFinite(v) ? v * 1000 : null;

    private static bool TryParseTime(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    private static ProblemHttpResult BadTime(string field) =>
        TypedResults.Problem(ProblemMapper.Validation(
            new Dictionary<string, string[]> { [field] = [$"'{field}' must be an ISO 8601 time, e.g. 2026-11-30T00:00:00Z."] },
            $"The query parameter '{field}' is not a time."));
}
