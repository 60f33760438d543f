using Microsoft.AspNetCore.Http.HttpResults;
using SkillInference.Inference;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/students</c> endpoints.</summary>
internal static class StudentsApi
{
    private const int MaxStudentIdLength = 128;

    public static IEndpointRouteBuilder MapStudentsApiV1(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/students/{studentId}/invalidate", InvalidateAsync)
            .WithTags("Students")
            .WithName("InvalidateStudent")
            .WithSummary("A student's features changed: stop serving their cached scores (every skill and version, on every instance).")
            .AddEndpointFilter<IngestionKeyFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> InvalidateAsync(string studentId, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        if (studentId.Length is 0 or > MaxStudentIdLength)
        {
            return TypedResults.Problem(Problems.ProblemMapper.Validation(new Dictionary<string, string[]> { ["studentId"] = [$"'studentId' must be 1 to {MaxStudentIdLength} characters."] }, "The student id is invalid."));
        }

        await service.InvalidateStudentAsync(studentId, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
