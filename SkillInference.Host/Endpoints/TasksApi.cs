using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using SkillInference.Batch;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Host.Security;
using SkillInference.Inference;
using Log = SkillInference.Host.Batch.Log;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// <c>POST /api/v1/tasks/batch-inference</c>: the Cloud Tasks HTTP target for one shard of a batch run, mapped only when
/// the dispatcher is Cloud Tasks and open only to the <c>tasks</c> scope (the dispatcher's service account, by its
/// Google-signed ID token). A task is served only as the shard it names was planned: the range and selection come
/// from the database, whatever their length; a task that differs from the plan is refused. 2xx only when the shard is
/// stored (or was before: idempotent); 503 for a transient failure so that Cloud Tasks retries.
/// </summary>
internal static class TasksApi
{
    public const string TaskNameHeader = "X-CloudTasks-TaskName";
    public const string RetryCountHeader = "X-CloudTasks-TaskRetryCount";

    public static IEndpointRouteBuilder MapTasksApiV1(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/tasks").WithTags("Tasks")
            .MapPost("/batch-inference", HandleShardAsync)
            .RequireAuthorization(Scopes.Tasks)
            .WithName("BatchInferenceShard")
            .WithSummary("Cloud Tasks target: score and store one planned shard of a batch run (idempotent).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<ShardTaskResponse>, ProblemHttpResult>> HandleShardAsync(
        ShardTaskRequest? request,
        HttpContext http,
        ShardHandler handler,
        IAssessmentStore store,
        ILogger<ShardHandler> logger,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var retryCount = 0;
        if (http.Request.Headers[RetryCountHeader] is { Count: > 0 } retry && !(int.TryParse(retry.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out retryCount) && retryCount >= 0))
        {
            errors[RetryCountHeader] = [$"The {RetryCountHeader} header must be a non-negative integer."];
        }

        var sent = Validate(request, errors);
        if (sent is null || errors.Count > 0)
        {
            return TypedResults.Problem(ProblemMapper.Validation(errors, "The shard task is malformed; it will not succeed if retried."));
        }

        var (runId, shard) = sent.Value;
        var taskName = http.Request.Headers[TaskNameHeader].ToString();
        Log.TaskReceived(logger, taskName.Length == 0 ? "(none)" : taskName, retryCount, shard, runId);
        try
        {
            var planned = await store.GetPlannedShardAsync(runId, shard, cancellationToken).ConfigureAwait(false);
            if (planned is null)
            {
                return TypedResults.Problem(await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is null
                    ? ProblemMapper.Problem(StatusCodes.Status404NotFound, "Unknown run", $"Run {runId} does not exist in inference_runs; the task is stale or was sent to the wrong database.")
                    : ProblemMapper.Problem(StatusCodes.Status404NotFound, "Unknown shard", $"Run {runId} was not planned with a shard {shard}."));
            }

            if (Differs(request!, planned))
            {
                Log.TaskUnauthorized(logger, "the task differs from the planned shard");
                return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status409Conflict, "Not the planned shard", $"The task's range or selection differs from shard {shard} of run {runId} as it was planned."));
            }

            var result = await handler.HandleAsync(planned, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new ShardTaskResponse(runId, shard, result.Duplicate, result.Stats.Students, result.Stats.Predictions, result.Stats.Failures, result.Inserted, result.CompletedRun is not null));
        }
        catch (Exception ex) when (ex is BatchStoreException or InferenceException)
        {
            // Mapped by the one problem mapping (503 for a transient failure, so that Cloud Tasks retries).
            if (ex is BatchStoreException { IsTransient: false })
            {
                Log.TaskPermanentFailure(logger, ex, shard, runId);
            }
            else
            {
                Log.TaskTransientFailure(logger, ex, shard, runId);
            }

            throw;
        }
    }

    private static (Guid RunId, int Shard)? Validate(ShardTaskRequest? request, Dictionary<string, string[]> errors)
    {
        if (request is null)
        {
            errors["$"] = ["The body must be a shard task: {runId, shard, ...}."];
            return null;
        }

        if (request.RunId is not { } runId || runId == Guid.Empty)
        {
            errors["runId"] = ["'runId' is required: the run's id (a GUID)."];
        }

        if (request.Shard is not { } shard || shard < 0)
        {
            errors["shard"] = ["'shard' is required: the shard's index, 0 or more."];
        }

        if (request.Mode is not null && !ShardTaskJson.TryParseMode(request.Mode, out _))
        {
            errors["mode"] = ["'mode' must be 'full' or 'incremental'."];
        }

        for (var i = 0; i < (request.ServingVersions?.Count ?? 0); i++)
        {
            var v = request.ServingVersions![i];
            if (string.IsNullOrWhiteSpace(v?.Skill) || string.IsNullOrWhiteSpace(v.Version))
            {
                errors[$"servingVersions[{i}]"] = ["Each serving version needs a 'skill' and a 'version'."];
            }
        }

        return errors.Count > 0 ? null : (request.RunId!.Value, request.Shard!.Value);
    }

    /// <summary>Whether a field the task carries says something else than the plan (absent fields are taken from the plan).</summary>
    private static bool Differs(ShardTaskRequest request, ShardTask planned)
    {
        var mode = request.Mode is null ? planned.Selection.Mode : ShardTaskJson.TryParseMode(request.Mode, out var m) ? m : planned.Selection.Mode;
        var versions = request.ServingVersions?.Select(v => new ServingVersion(v!.Skill!, v.Version!)).ToArray() ?? planned.Selection.ServingVersions;
        var sent = new ShardTask(
            planned.RunId,
            planned.Shard,
            request.ThroughStudentId is null ? planned.AfterStudentId : request.AfterStudentId,
            request.ThroughStudentId ?? planned.ThroughStudentId,
            mode == BatchMode.Full ? StudentSelection.All : new StudentSelection(BatchMode.Incremental, request.ChangedSince ?? planned.Selection.ChangedSince, versions));
        return !ShardTaskJson.SameShard(sent, planned);
    }
}
