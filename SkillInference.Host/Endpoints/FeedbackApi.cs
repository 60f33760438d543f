using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SkillInference.Batch;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Host.Security;
using SkillInference.Schema;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/feedback</c> endpoints: ground truth for validation.</summary>
internal static class FeedbackApi
{
    /// <summary>The most ratings one call may carry.</summary>
    public const int MaxRatingsPerCall = 10_000;

    /// <summary>The body limit of a ratings call: 10,000 items of a few hundred bytes each.</summary>
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>How far in the future a rating's time may lie (clock skew between the sender and this host).</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapFeedbackApiV1(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/feedback/teacher-ratings", PostTeacherRatingsAsync)
            .RequireAuthorization(Scopes.Ingest)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithTags("Feedback")
            .WithName("PostTeacherRatings")
            .WithSummary("Store teacher ratings (1-5) of students' skills, at most 10,000 per call; a rating replaces the stored one of the same student and skill. Invalid items are refused one by one, the others stored.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    internal static async Task<Results<Ok<TeacherRatingsResponse>, ProblemHttpResult>> PostTeacherRatingsAsync(
        TeacherRatingsRequest? request, IStudentDataWriter writer, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request?.Ratings is not { } items)
        {
            return TypedResults.Problem(ProblemMapper.Validation(new Dictionary<string, string[]> { ["ratings"] = ["'ratings' is required: a list of 1 to 10000 ratings."] }, "The ratings are missing."));
        }

        if (items.Count is 0 or > MaxRatingsPerCall)
        {
            return TypedResults.Problem(ProblemMapper.Validation(
                new Dictionary<string, string[]> { ["ratings"] = [$"'ratings' must hold 1 to {MaxRatingsPerCall} items; it holds {items.Count}."] },
                $"A call carries 1 to {MaxRatingsPerCall} ratings; send more in several calls."));
        }

        var latest = time.GetUtcNow() + FutureTolerance;
        var valid = new List<TeacherRating>(items.Count);
        var errors = new List<TeacherRatingError>();
        for (var i = 0; i < items.Count; i++)
        {
            if (Validate(items[i], i, latest, errors) is { } rating)
            {
                valid.Add(rating);
            }
        }

        // Within a call the last item of a student and skill wins, as a later call's would.
        await writer.UpsertTeacherRatingsAsync(valid, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new TeacherRatingsResponse { Accepted = valid.Count, Rejected = items.Count - valid.Count, Errors = errors });
    }

    private static TeacherRating? Validate(TeacherRatingItem? item, int index, DateTimeOffset latest, List<TeacherRatingError> errors)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"ratings[{index}]");
        if (item is null)
        {
            errors.Add(Error(index, path, "The item is null; send an object with studentId, skill, rating and ratedAt."));
            return null;
        }

        var before = errors.Count;
        if (item.StudentId is not { Length: > 0 and <= BatchRequestReader.MaxStudentIdLength } || string.IsNullOrWhiteSpace(item.StudentId))
        {
            errors.Add(Error(index, path + ".studentId", $"'studentId' is required: 1 to {BatchRequestReader.MaxStudentIdLength} characters."));
        }

        if (!FeatureSchema.IsValidName(item.Skill) || item.Skill!.Length > 64)
        {
            errors.Add(Error(index, path + ".skill", "'skill' is required: a skill id in snake_case (lower-case letters, digits and '_', starting with a letter), at most 64 characters."));
        }

        if (item.Rating is not { } value || value != Math.Floor(value) || value is < 1 or > 5)
        {
            errors.Add(Error(index, path + ".rating", "'rating' is required: an integer from 1 to 5."));
        }

        DateTimeOffset ratedAt = default;
        if (item.RatedAt is not { Length: > 0 } text
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out ratedAt)
            || !HasOffset(text))
        {
            errors.Add(Error(index, path + ".ratedAt", "'ratedAt' is required: an ISO 8601 time with an offset, e.g. 2026-11-30T09:00:00Z."));
        }
        else if (ratedAt > latest)
        {
            errors.Add(Error(index, path + ".ratedAt", "'ratedAt' lies in the future."));
        }

        return errors.Count > before ? null : new TeacherRating(item.StudentId!, item.Skill!, (int)item.Rating!.Value, ratedAt.ToUniversalTime());
    }

    /// <summary>A time without an offset would be read in the host's zone: refuse it rather than guess.</summary>
    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.Ordinal);
        if (t < 0)
        {
            return false;
        }

        var time = text.AsSpan(t + 1);
        return time.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || time.Contains('+') || time.Contains('-');
    }

    private static TeacherRatingError Error(int index, string field, string message) => new() { Index = index, Field = field, Message = message };
}
