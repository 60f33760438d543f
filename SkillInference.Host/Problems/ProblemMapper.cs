using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SkillInference.Batch;
using SkillInference.Bundles;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Host.Problems;

/// <summary>
/// The one place that turns failures into RFC 9457 problem details, for every endpoint. No stack trace reaches a
/// client, and nothing internal either: a dependency's failure (store, registry, database) is named, not described
/// (its message can hold bucket names, paths or accounts); the details go to the log with the trace id.
/// </summary>
internal static class ProblemMapper
{
    public const int RetryAfterSeconds = 5;

    public static ProblemDetails Map(Exception exception) => exception switch
    {
        FeatureValidationException ex => FeatureProblem(ex.Skill, ex.Errors),
        InferenceException ex => FromError(ex.Skill, new InferenceError(ex.Kind, ex.Message, [])),
        RegistryException ex => Problem(ex.Kind switch
        {
            RegistryErrorKind.SkillNotFound or RegistryErrorKind.VersionNotFound => StatusCodes.Status404NotFound,
            RegistryErrorKind.Conflict or RegistryErrorKind.VersionExists or RegistryErrorKind.NothingToRollBack => StatusCodes.Status409Conflict,
            RegistryErrorKind.SemverViolation => StatusCodes.Status422UnprocessableEntity,
            RegistryErrorKind.InvalidRequest => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status503ServiceUnavailable,
        }, ex.Kind switch
        {
            RegistryErrorKind.Conflict => "Registry changed concurrently",
            RegistryErrorKind.SkillNotFound => "Unknown skill",
            RegistryErrorKind.VersionNotFound => "Unknown version",
            RegistryErrorKind.VersionExists => "Version exists",
            RegistryErrorKind.NothingToRollBack => "Nothing to roll back to",
            RegistryErrorKind.SemverViolation => "Semantic version rule broken",
            RegistryErrorKind.InvalidRequest => "Invalid request",
            _ => "Registry unavailable",
        }, ex.Kind is RegistryErrorKind.Conflict or RegistryErrorKind.SkillNotFound or RegistryErrorKind.VersionNotFound or RegistryErrorKind.VersionExists
            or RegistryErrorKind.NothingToRollBack or RegistryErrorKind.SemverViolation or RegistryErrorKind.InvalidRequest
            ? ex.Message
            : Unavailable("registry")),
        BundleValidationException ex => Problem(StatusCodes.Status422UnprocessableEntity, "Invalid bundle", ex.Message),
        ModelStoreException { Kind: ModelStoreErrorKind.PreconditionFailed } ex => Problem(StatusCodes.Status409Conflict, "Store changed concurrently", ex.Message),
        ModelStoreException => Problem(StatusCodes.Status503ServiceUnavailable, "Model store unavailable", Unavailable("model store")),
        BatchStoreException { IsTransient: true } => Problem(StatusCodes.Status503ServiceUnavailable, "Database unavailable", Unavailable("batch database")),
        BatchStoreException => Problem(StatusCodes.Status500InternalServerError, "Database failure", "The batch database refused the operation; the failure is logged with this trace id."),
        BadHttpRequestException ex => BadRequest(ex),
        _ => Problem(StatusCodes.Status500InternalServerError, "Unexpected error", "The server failed to process the request; the failure is logged with this trace id."),
    };

    private static string Unavailable(string what) => $"The {what} is unavailable; retry later. The cause is logged with this trace id.";

    /// <summary>The problem for an error value of the pipeline (the same mapping as for the exceptions above).</summary>
    public static ProblemDetails FromError(string skill, InferenceError error) => error.Kind switch
    {
        InferenceErrorKind.InvalidFeatures when error.FeatureErrors.Count > 0 => FeatureProblem(skill, error.FeatureErrors),
        InferenceErrorKind.InvalidFeatures => Validation(new Dictionary<string, string[]> { ["features"] = [error.Message] }, error.Message),
        InferenceErrorKind.UnknownSkill => Problem(StatusCodes.Status404NotFound, "Unknown skill", error.Message),
        InferenceErrorKind.ExplanationUnavailable => Problem(StatusCodes.Status422UnprocessableEntity, "Explanation unavailable", error.Message),
        InferenceErrorKind.ModelFailure => Problem(StatusCodes.Status503ServiceUnavailable, "Model failed", error.Message),
        _ => Problem(StatusCodes.Status503ServiceUnavailable, "Model not loaded", error.Message),
    };

    /// <summary>A problem as an endpoint result; a 503 also tells the caller when to retry.</summary>
    public static ProblemHttpResult Result(HttpContext http, ProblemDetails problem)
    {
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(problem);
    }

    public static ProblemDetails FeatureProblem(string skill, IReadOnlyList<FeatureError> errors) => new HttpValidationProblemDetails(
        errors.GroupBy(e => $"features.{e.Feature}").ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
    {
        Status = StatusCodes.Status422UnprocessableEntity,
        Title = "Invalid features",
        Detail = $"{errors.Count} feature(s) of the request do not satisfy the schema of skill '{skill}'.",
        Type = "https://skillinference.dev/problems/invalid-features",
    };

    public static ProblemDetails Validation(IDictionary<string, string[]> errors, string detail) => new HttpValidationProblemDetails(errors)
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Invalid request",
        Detail = detail,
        Type = "https://skillinference.dev/problems/invalid-request",
    };

    public static ProblemDetails Problem(int status, string title, string detail) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Type = $"https://httpstatuses.io/{status}",
    };

    private static ProblemDetails BadRequest(BadHttpRequestException ex)
    {
        if (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", "The request body exceeds the server's size limit.");
        }

        if (ex.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", "The request body must be UTF-8 JSON, sent with Content-Type: application/json (charset utf-8 or none).");
        }

        // Name the offending field from the JSON path (e.g. $.features.question_rate -> features.question_rate).
        var json = ex.InnerException as JsonException ?? ex.InnerException?.InnerException as JsonException;
        if (json is not null)
        {
            var field = string.IsNullOrEmpty(json.Path) ? "$" : json.Path.TrimStart('$').TrimStart('.');
            var detail = json.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase)
                ? $"The JSON body repeats the property at '{json.Path}'."
                : field.Length == 0
                    ? "The request body is not a valid JSON object."
                    : $"The JSON body is invalid at '{json.Path}': expected a value of the right type (numbers for features, null for missing; NaN and Infinity are not accepted).";
            return Validation(new Dictionary<string, string[]> { [field.Length == 0 ? "$" : field] = [detail] }, detail);
        }

        return Validation(new Dictionary<string, string[]> { ["$"] = ["The request body is missing or is not valid JSON."] }, "The request body is missing or is not valid JSON.");
    }
}
