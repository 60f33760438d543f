using Microsoft.AspNetCore.Http.HttpResults;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Host.Security;
using SkillInference.Inference;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/students</c> endpoints.</summary>
internal static class StudentsApi
{
    public static IEndpointRouteBuilder MapStudentsApiV1(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/students/invalidate", InvalidateAsync)
            .RequireAuthorization(Scopes.Ingest)
            .WithTags("Students")
            .WithName("InvalidateStudent")
            .WithSummary("A student's features changed: stop serving their cached scores (every skill and version, on every instance). The id is in the body.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> InvalidateAsync(InvalidateRequest? request, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        if (request?.StudentId is not { Length: > 0 and <= BatchRequestReader.MaxStudentIdLength } studentId)
        {
            return TypedResults.Problem(ProblemMapper.Validation(new Dictionary<string, string[]> { ["studentId"] = [$"'studentId' is required: 1 to {BatchRequestReader.MaxStudentIdLength} characters."] }, "The student id is missing or invalid."));
        }

        await service.InvalidateStudentAsync(studentId, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
