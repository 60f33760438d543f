using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SkillInference.Batch;
using SkillInference.Host.Batch;
using SkillInference.Host.Configuration;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Inference;
using Log = SkillInference.Host.Batch.Log;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// <c>POST /api/v1/tasks/batch-inference</c>: the Cloud Tasks HTTP target for one shard of a batch run. 2xx only when
/// the shard is stored (or was before: idempotent); 5xx for a transient failure so that Cloud Tasks retries; 4xx for a
/// malformed task or a refused caller.
/// </summary>
internal static class TasksApi
{
    public const string TaskNameHeader = "X-CloudTasks-TaskName";
    public const string RetryCountHeader = "X-CloudTasks-TaskRetryCount";
    private const int MaxStudentIdLength = 128;

    public static IEndpointRouteBuilder MapTasksApiV1(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/tasks").WithTags("Tasks")
            .MapPost("/batch-inference", HandleShardAsync)
            .WithName("BatchInferenceShard")
            .WithSummary("Cloud Tasks target: score and store one shard of a batch run (idempotent).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
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
        ITaskTokenValidator tokens,
        IOptionsMonitor<BatchHostOptions> options,
        ILogger<ShardHandler> logger,
        CancellationToken cancellationToken)
    {
        if (await AuthenticateAsync(http, tokens, options.CurrentValue.Tasks, logger, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var retryCount = 0;
        if (http.Request.Headers[RetryCountHeader] is { Count: > 0 } retry && !(int.TryParse(retry.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out retryCount) && retryCount >= 0))
        {
            errors[RetryCountHeader] = [$"The {RetryCountHeader} header must be a non-negative integer."];
        }

        var task = Validate(request, errors);
        if (task is null || errors.Count > 0)
        {
            return TypedResults.Problem(ProblemMapper.Validation(errors, "The shard task is malformed; it will not succeed if retried."));
        }

        var taskName = http.Request.Headers[TaskNameHeader].ToString();
        Log.TaskReceived(logger, taskName.Length == 0 ? "(none)" : taskName, retryCount, task.Shard, task.RunId);
        try
        {
            if (await store.GetRunAsync(task.RunId, cancellationToken).ConfigureAwait(false) is null)
            {
                return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status404NotFound, "Unknown run", $"Run {task.RunId} does not exist in inference_runs; the task is stale or was sent to the wrong database."));
            }

            var result = await handler.HandleAsync(task, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new ShardTaskResponse(task.RunId, task.Shard, result.Duplicate, result.Stats.Students, result.Stats.Predictions, result.Stats.Failures, result.Inserted, result.CompletedRun is not null));
        }
        catch (Exception ex) when (ex is BatchStoreException { IsTransient: true } or InferenceException { Kind: InferenceErrorKind.ModelNotLoaded })
        {
            Log.TaskTransientFailure(logger, ex, task.Shard, task.RunId);
            http.Response.Headers.RetryAfter = ProblemMapper.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(ProblemMapper.Problem(
                StatusCodes.Status503ServiceUnavailable,
                ex is BatchStoreException ? "Database unavailable" : "Models not loaded",
                $"The shard was not stored: {ex.Message} Retry later."));
        }
        catch (BatchStoreException ex)
        {
            Log.TaskPermanentFailure(logger, ex, task.Shard, task.RunId);
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status500InternalServerError, "Database failure", $"The shard was not stored: {ex.Message}"));
        }
    }

    private static async Task<ProblemHttpResult?> AuthenticateAsync(HttpContext http, ITaskTokenValidator tokens, TasksEndpointOptions settings, ILogger logger, CancellationToken cancellationToken)
    {
        if (settings.Audience.Length == 0)
        {
            return null;
        }

        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            Log.TaskUnauthorized(logger, "no bearer token");
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status401Unauthorized, "Caller not authenticated", "Send the OIDC token Cloud Tasks adds (oidcToken on the queue's tasks) as Authorization: Bearer TOKEN."));
        }

        TaskTokenValidation validation;
        try
        {
            validation = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), settings.Audience, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            http.Response.Headers.RetryAfter = ProblemMapper.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status503ServiceUnavailable, "Token keys unavailable", "Google's token signing keys could not be fetched to verify the caller; retry later."));
        }

        if (!validation.IsValid)
        {
            Log.TaskUnauthorized(logger, validation.Reason ?? "invalid token");
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status401Unauthorized, "Caller not authenticated", $"The bearer token is not a valid ID token for audience '{settings.Audience}'."));
        }

        if (settings.ServiceAccountEmail.Length > 0 && !string.Equals(validation.Email, settings.ServiceAccountEmail, StringComparison.OrdinalIgnoreCase))
        {
            Log.TaskUnauthorized(logger, "the token's identity is not the configured service account");
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status403Forbidden, "Caller not allowed", "The token's identity is not the service account allowed to send shard tasks."));
        }

        return null;
    }

    private static ShardTask? Validate(ShardTaskRequest? request, Dictionary<string, string[]> errors)
    {
        if (request is null)
        {
            errors["$"] = ["The body must be a shard task: {runId, shard, afterStudentId, throughStudentId, mode, changedAfter, servingVersions}."];
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

        if (string.IsNullOrEmpty(request.ThroughStudentId) || request.ThroughStudentId.Length > MaxStudentIdLength)
        {
            errors["throughStudentId"] = [$"'throughStudentId' is required: the range's last student id (1 to {MaxStudentIdLength} characters)."];
        }

        if (request.AfterStudentId is { } after && (after.Length is 0 or > MaxStudentIdLength || (request.ThroughStudentId is { } through && string.CompareOrdinal(after, through) >= 0)))
        {
            errors["afterStudentId"] = ["'afterStudentId' must be null (the first shard) or a student id before 'throughStudentId'."];
        }

        if (!ShardTaskJson.TryParseMode(request.Mode, out var mode))
        {
            errors["mode"] = ["'mode' is required: 'full' or 'incremental'."];
        }

        var versions = new List<ServingVersion>();
        for (var i = 0; i < (request.ServingVersions?.Count ?? 0); i++)
        {
            var v = request.ServingVersions![i];
            if (string.IsNullOrWhiteSpace(v?.Skill) || string.IsNullOrWhiteSpace(v.Version))
            {
                errors[$"servingVersions[{i}]"] = ["Each serving version needs a 'skill' and a 'version'."];
            }
            else
            {
                versions.Add(new ServingVersion(v.Skill, v.Version));
            }
        }

        if (mode == BatchMode.Incremental && errors.Count == 0 && versions.Count == 0)
        {
            errors["servingVersions"] = ["An incremental shard needs the versions serving each skill when the run was planned."];
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var selection = mode == BatchMode.Full ? StudentSelection.All : new StudentSelection(BatchMode.Incremental, request.ChangedAfter, versions);
        return new ShardTask(request.RunId!.Value, request.Shard!.Value, request.AfterStudentId, request.ThroughStudentId!, selection);
    }
}
