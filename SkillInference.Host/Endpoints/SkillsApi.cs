using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Limits;
using SkillInference.Host.Security;
using SkillInference.Host.Problems;
using SkillInference.Inference;
using SkillInference.Loading;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/skills</c> endpoints: scoring, models, and operator actions.</summary>
internal static class SkillsApi
{
    public static IEndpointRouteBuilder MapSkillsApiV1(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<LimitsOptions>>().Value;
        var api = app.MapGroup("/api/v1/skills").WithTags("Skills");

        api.MapPost("/infer", InferAsync)
            .RequireAuthorization(Scopes.Score)
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxInferBodyBytes))
            .WithName("Infer")
            .WithSummary("Score one student on one skill.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/infer/batch", InferBatchAsync)
            .RequireAuthorization(Scopes.Score)
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxBatchBodyBytes))
            .Accepts<BatchInferRequest>("application/json")
            .Produces<BatchInferResponse>()
            .WithName("InferBatch")
            .WithSummary("Score many (student, skill) items; results in request order, each a score or an error.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapGet("/models", ListModelsAsync)
            .RequireAuthorization(Scopes.Score)
            .WithName("ListModels")
            .WithSummary("Every skill's deployed and live version, published versions with metrics, and the deployed features.");

        var operators = api.MapGroup("/models/{skill}").WithTags("Operators").RequireAuthorization(Scopes.Operate)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSkillIdCheck();
        operators.MapPost("/deploy", DeployAsync).WithName("Deploy").WithSummary("Deploy a published version (scope operate).");
        operators.MapPost("/rollback", RollbackAsync).WithName("Rollback").WithSummary("Restore the previously deployed version (scope operate).");
        operators.MapPost("/variants", SetVariantsAsync).WithName("SetVariants").WithSummary("Split a skill's traffic between versions by weight (scope operate).");
        return app;
    }

    internal static async Task<Results<Ok<SkillScore>, ProblemHttpResult>> InferAsync(InferRequest? request, HttpContext http, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        if (errors is not null)
        {
            return TypedResults.Problem(ProblemMapper.Validation(errors, "The request is incomplete or malformed."));
        }

        var outcome = await service.TryInferAsync(new InferenceRequest(request!.Skill!, request.Features!, request.StudentId, request.Explain), cancellationToken).ConfigureAwait(false);
        return outcome.IsSuccess
            ? TypedResults.Ok(SkillScore.From(outcome.Result))
            : ProblemMapper.Result(http, ProblemMapper.FromError(request.Skill!, outcome.Error));
    }

    // Reads the body straight into columnar rows (one block per skill), scores each block in one call of the bulk
    // pipeline, and writes the response from the scored columns: no dictionary or result object per item. The body's
    // bytes and the reader's buffers are rented for the request and returned when the response is written.
    internal static async Task InferBatchAsync(HttpContext http, ISkillInferenceService service, IOptions<SkillInferenceOptions> options, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        if (!http.Request.HasJsonContentType())
        {
            await WriteProblemAsync(http, ProblemMapper.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", "The request body must be JSON, sent with Content-Type: application/json.")).ConfigureAwait(false);
            return;
        }

        var reader = BatchRequestReader.Pool.Get().WithLimits(options.Value.MaxBatchSize, limits.Value.MaxExplanationsPerRequest);
        try
        {
            BatchRequest batch;
            var (body, length) = await ReadBodyAsync(http, cancellationToken).ConfigureAwait(false);
            try
            {
                batch = reader.Read(body.AsSpan(0, length));
            }
            catch (BatchFormatException ex)
            {
                await WriteProblemAsync(http, ProblemMapper.Validation(new Dictionary<string, string[]> { [ex.Field] = [ex.Message] }, ex.Detail)).ConfigureAwait(false);
                return;
            }
            catch (BatchTooLargeException ex)
            {
                await WriteProblemAsync(http, ProblemMapper.Problem(StatusCodes.Status413PayloadTooLarge, "Batch too large", $"The batch has more than {ex.Limit} items; the limit is {ex.Limit}. Split it into smaller batches.")).ConfigureAwait(false);
                return;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }

            var scores = new RowScores[batch.Groups.Count];
            for (var g = 0; g < scores.Length; g++)
            {
                var group = batch.Groups[g];
                scores[g] = await service.InferRowsAsync(group.Skill, group.Rows, new RowScoringOptions { Explain = group.Explain, Cache = CachePolicy.ReadWrite }, cancellationToken).ConfigureAwait(false);
            }

            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json; charset=utf-8";
            BatchResponseWriter.Write(http.Response.BodyWriter, batch, scores);
            await http.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            BatchRequestReader.Pool.Return(reader);
        }
    }

    /// <summary>The whole body, in an array rented from the shared pool (the caller returns it) and its length.</summary>
    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var reader = http.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.IsCompleted)
            {
                var length = checked((int)read.Buffer.Length);
                var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
                read.Buffer.CopyTo(bytes);
                reader.AdvanceTo(read.Buffer.End);
                return (bytes, length);
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static Task WriteProblemAsync(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }).AsTask();
    }

    internal static async Task<Ok<ModelsResponse>> ListModelsAsync(HttpContext http, ModelRegistry registry, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        var document = (await registry.ReadAsync(cancellationToken).ConfigureAwait(false)).Document;
        var skills = (await registry.Bundles.ListSkillsAsync(cancellationToken).ConfigureAwait(false)).Union(document.Skills.Keys).Order(StringComparer.Ordinal);
        var live = service.Status.LiveVersions;
        var result = new List<SkillModels>();
        foreach (var skill in skills)
        {
            var models = await DescribeAsync(registry, document, skill, live.GetValueOrDefault(skill), cancellationToken).ConfigureAwait(false);

            // Who changed the registry, and why, is for operators only.
            result.Add(http.User.HasClaim(Scopes.ClaimType, Scopes.Operate) ? models : models with { History = [] });
        }

        return TypedResults.Ok(new ModelsResponse(result));
    }

    // Loads and verifies the version once, writes the registry, and serves the loaded model at once (no second download or compile).
    internal static async Task<Ok<SkillModels>> DeployAsync(string skill, DeployRequest? request, HttpContext http, ModelRegistry registry, ModelCatalog catalog, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Version))
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, "The request needs a 'version' to deploy.");
        }

        var version = ParseVersion(request.Version);
        await registry.EnsurePublishedAsync(skill, version, cancellationToken).ConfigureAwait(false);
        var context = new ChangeContext(ClientOf(http), request.Reason);
        var snapshot = await catalog.ChangeAsync([(skill, version)], ct => registry.DeployAsync(skill, version, context, verify: false, ct), cancellationToken).ConfigureAwait(false);
        return await DescribeChangeAsync(registry, service, snapshot, skill, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<Ok<SkillModels>> RollbackAsync(string skill, RollbackRequest? request, HttpContext http, ModelRegistry registry, ModelCatalog catalog, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        var context = new ChangeContext(ClientOf(http), request?.Reason);
        var snapshot = await catalog.ChangeAsync([], ct => registry.RollbackAsync(skill, context, ct), cancellationToken).ConfigureAwait(false);
        return await DescribeChangeAsync(registry, service, snapshot, skill, cancellationToken).ConfigureAwait(false);
    }

    // Loads and verifies each variant's version before the registry names it, then serves the split at once.
    internal static async Task<Ok<SkillModels>> SetVariantsAsync(string skill, VariantsRequest? request, HttpContext http, ModelRegistry registry, ModelCatalog catalog, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        if (request?.Variants is null)
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, "The request needs 'variants' (an empty list removes them).");
        }

        var context = new ChangeContext(ClientOf(http), request.Reason);
        var prepare = new List<(string, string)>();
        foreach (var variant in request.Variants)
        {
            if (SemanticVersion.TryParse(variant.Version, out var v) && await registry.Bundles.ExistsAsync(skill, v.ToString(), cancellationToken).ConfigureAwait(false))
            {
                prepare.Add((skill, v.ToString()));
            }
        }

        var snapshot = await catalog.ChangeAsync(prepare, ct => registry.SetVariantsAsync(skill, [.. request.Variants.Select(v => v.ToRegistry())], context, ct), cancellationToken).ConfigureAwait(false);
        return await DescribeChangeAsync(registry, service, snapshot, skill, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The authenticated client's name (the API key's client or the token's service account), for the registry's history.</summary>
    internal static string ClientOf(HttpContext http) => http.User.Identity?.Name ?? "unknown";

    private static string ParseVersion(string version) => SemanticVersion.TryParse(version, out var parsed)
        ? parsed.ToString()
        : throw new RegistryException(RegistryErrorKind.InvalidRequest, $"'{(version.Length <= 64 ? version : version[..64] + "...")}' is not a semantic version (MAJOR.MINOR.PATCH).");

    /// <summary>The skill as the change left it, from the registry just written (no second read).</summary>
    private static async Task<Ok<SkillModels>> DescribeChangeAsync(ModelRegistry registry, ISkillInferenceService service, RegistrySnapshot snapshot, string skill, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DescribeAsync(registry, snapshot.Document, skill, service.Status.LiveVersions.GetValueOrDefault(skill), cancellationToken).ConfigureAwait(false));

    private static async Task<SkillModels> DescribeAsync(ModelRegistry registry, RegistryDocument document, string skill, string? live, CancellationToken cancellationToken)
    {
        var registration = document.Skills.GetValueOrDefault(skill);
        var versions = new List<ModelVersionDto>();
        foreach (var version in (await registry.Bundles.ListVersionsAsync(skill, cancellationToken).ConfigureAwait(false)).Reverse())
        {
            var manifest = await registry.Bundles.GetManifestAsync(skill, version.ToString(), cancellationToken).ConfigureAwait(false);
            if (manifest is not null)
            {
                versions.Add(new ModelVersionDto
                {
                    Version = manifest.Version,
                    Format = manifest.Format,
                    TrainedAt = manifest.TrainedAt,
                    Metrics = manifest.Metrics,
                    Description = manifest.Description,
                    Trainer = $"{manifest.Trainer.Library} {manifest.Trainer.Algorithm}".Trim(),
                });
            }
        }

        var deployed = registration?.Deployed is { } d ? await registry.Bundles.GetManifestAsync(skill, d, cancellationToken).ConfigureAwait(false) : null;
        var features = deployed is null
            ? []
            : deployed.Features.Select((f, i) => new FeatureDto
            {
                Name = f.Name,
                Group = f.Group switch { FeatureGroup.Linguistic => "linguistic", FeatureGroup.Behavioral => "behavioral", _ => "other" },
                Description = f.Description,
                Unit = f.Unit,
                Min = f.Min,
                Max = f.Max,
                Required = f.Required,
                Missing = f.Missing.Rule.ToString().ToLowerInvariant(),
                ImputedValue = f.Missing.Rule switch
                {
                    MissingValueStrategy.Median when deployed.Statistics.Count > i => deployed.Statistics[i].Median,
                    MissingValueStrategy.Mean when deployed.Statistics.Count > i => deployed.Statistics[i].Mean,
                    MissingValueStrategy.Constant => f.Missing.Value,
                    _ => null,
                },
                Importance = deployed.Importance.Count > i ? deployed.Importance[i].Gain : null,
            }).ToArray();

        return new SkillModels
        {
            Skill = skill,
            Deployed = registration?.Deployed,
            Live = live,
            Variants = registration?.Variants.Select(Contracts.V1.TrafficVariant.From).ToArray() ?? [],
            Versions = versions,
            Features = features,
            History = registration?.History.Reverse().Take(20).Select(Contracts.V1.RegistryEvent.From).ToArray() ?? [],
        };
    }

    private static Dictionary<string, string[]>? Validate(InferRequest? item)
    {
        if (item is null)
        {
            return new() { ["$"] = ["The request must be an object with 'skill' and 'features'."] };
        }

        Dictionary<string, string[]>? errors = null;
        if (string.IsNullOrWhiteSpace(item.Skill))
        {
            (errors ??= [])["skill"] = ["'skill' is required (e.g. \"collaboration\")."];
        }

        if (item.Features is null)
        {
            (errors ??= [])["features"] = ["'features' is required: an object of feature name to number (null or absent = missing)."];
        }
        else if (item.Features.Count > BatchRequestReader.MaxFeaturesPerItem)
        {
            (errors ??= [])["features"] = [$"At most {BatchRequestReader.MaxFeaturesPerItem} features may be sent."];
        }

        if (item.StudentId is { Length: > BatchRequestReader.MaxStudentIdLength or 0 })
        {
            (errors ??= [])["studentId"] = [$"'studentId' must be 1 to {BatchRequestReader.MaxStudentIdLength} characters."];
        }

        return errors;
    }

    /// <summary>
    /// Answers 404 for a <c>{skill}</c> route value that is not a skill id (snake_case) before the handler runs, so
    /// nothing else names no skill reaches the registry or the model store as a path.
    /// </summary>
    internal static RouteGroupBuilder WithSkillIdCheck(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (context, next) =>
            FeatureSchema.IsValidName(context.HttpContext.Request.RouteValues["skill"] as string)
                ? await next(context).ConfigureAwait(false)
                : TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status404NotFound, "Unknown skill", "No skill has this id (skill ids are snake_case, e.g. collaboration).")));
}
