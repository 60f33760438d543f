using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Host.Endpoints;

/// <summary>The <c>/api/v1/skills</c> endpoints: scoring, models, and operator actions.</summary>
internal static class SkillsApi
{
    private const int MaxStudentIdLength = 128;
    private const int MaxFeaturesPerItem = 1_000;

    public static IEndpointRouteBuilder MapSkillsApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/skills").WithTags("Skills");

        api.MapPost("/infer", InferAsync)
            .WithName("Infer")
            .WithSummary("Score one student on one skill.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/infer/batch", InferBatchAsync)
            .WithName("InferBatch")
            .WithSummary("Score many (student, skill) items; results in request order, each a score or an error.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapGet("/models", ListModelsAsync)
            .WithName("ListModels")
            .WithSummary("Every skill's deployed and live version, published versions with metrics, and the deployed features.");

        var operators = api.MapGroup("/models/{skill}").WithTags("Operators").AddEndpointFilter<OperatorKeyFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        operators.MapPost("/deploy", DeployAsync).WithName("Deploy").WithSummary("Deploy a published version (requires X-Api-Key).");
        operators.MapPost("/rollback", RollbackAsync).WithName("Rollback").WithSummary("Restore the previously deployed version (requires X-Api-Key).");
        operators.MapPost("/variants", SetVariantsAsync).WithName("SetVariants").WithSummary("Split a skill's traffic between versions by weight (requires X-Api-Key).");
        return app;
    }

    internal static async Task<Results<Ok<SkillScore>, ProblemHttpResult>> InferAsync(InferRequest? request, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        var errors = Validate(request, prefix: "");
        if (errors is not null)
        {
            return TypedResults.Problem(ProblemMapper.Validation(errors, "The request is incomplete or malformed."));
        }

        var result = await service.InferAsync(new InferenceRequest(request!.Skill!, request.Features!, request.StudentId, request.Explain), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(SkillScore.From(result));
    }

    internal static async Task<Results<Ok<BatchInferResponse>, ProblemHttpResult>> InferBatchAsync(BatchInferRequest? request, ISkillInferenceService service, IOptions<SkillInferenceOptions> options, CancellationToken cancellationToken)
    {
        if (request?.Items is not { Count: > 0 } items)
        {
            return TypedResults.Problem(ProblemMapper.Validation(new Dictionary<string, string[]> { ["items"] = ["At least one item is required."] }, "The batch has no items."));
        }

        var limit = options.Value.MaxBatchSize;
        if (items.Count > limit)
        {
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status413PayloadTooLarge, "Batch too large", $"The batch has {items.Count} items; the limit is {limit}. Split it into smaller batches."));
        }

        var results = new BatchItemResult[items.Count];
        var valid = new List<int>(items.Count);
        var requests = new List<InferenceRequest>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var errors = Validate(items[i], prefix: $"items[{i}].");
            if (errors is null)
            {
                valid.Add(i);
                requests.Add(new InferenceRequest(items[i]!.Skill!, items[i]!.Features!, items[i]!.StudentId, items[i]!.Explain));
            }
            else
            {
                results[i] = new BatchItemResult { Index = i, Error = new BatchItemError { Status = 400, Title = "Invalid item", Detail = "The item is incomplete or malformed.", Errors = errors } };
            }
        }

        var outcomes = await service.InferBatchAsync(requests, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < outcomes.Count; k++)
        {
            var i = valid[k];
            var outcome = outcomes[k];
            results[i] = outcome.IsSuccess
                ? new BatchItemResult { Index = i, Result = SkillScore.From(outcome.Result) }
                : new BatchItemResult { Index = i, Error = ToItemError(outcome.Error, requests[k].Skill) };
        }

        var failed = results.Count(r => r.Error is not null);
        return TypedResults.Ok(new BatchInferResponse(results, results.Length - failed, failed));
    }

    internal static async Task<Ok<ModelsResponse>> ListModelsAsync(ModelRegistry registry, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        var document = (await registry.ReadAsync(cancellationToken).ConfigureAwait(false)).Document;
        var skills = (await registry.ListSkillsAsync(cancellationToken).ConfigureAwait(false)).Union(document.Skills.Keys).Order(StringComparer.Ordinal);
        var live = service.Status.LiveVersions;
        var result = new List<SkillModels>();
        foreach (var skill in skills)
        {
            result.Add(await DescribeAsync(registry, document, skill, live.GetValueOrDefault(skill), cancellationToken).ConfigureAwait(false));
        }

        return TypedResults.Ok(new ModelsResponse(result));
    }

    internal static async Task<Ok<SkillModels>> DeployAsync(string skill, DeployRequest? request, HttpContext http, ModelRegistry registry, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Version))
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, "The request needs a 'version' to deploy.");
        }

        var snapshot = await registry.DeployAsync(skill, request.Version, new ChangeContext(OperatorKeyFilter.ActorOf(http), request.Reason), cancellationToken).ConfigureAwait(false);
        return await AfterChangeAsync(registry, service, snapshot, skill, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<Ok<SkillModels>> RollbackAsync(string skill, RollbackRequest? request, HttpContext http, ModelRegistry registry, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        var snapshot = await registry.RollbackAsync(skill, new ChangeContext(OperatorKeyFilter.ActorOf(http), request?.Reason), cancellationToken).ConfigureAwait(false);
        return await AfterChangeAsync(registry, service, snapshot, skill, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<Ok<SkillModels>> SetVariantsAsync(string skill, VariantsRequest? request, HttpContext http, ModelRegistry registry, ISkillInferenceService service, CancellationToken cancellationToken)
    {
        if (request?.Variants is null)
        {
            throw new RegistryException(RegistryErrorKind.InvalidRequest, "The request needs 'variants' (an empty list removes them).");
        }

        var snapshot = await registry.SetVariantsAsync(skill, request.Variants, new ChangeContext(OperatorKeyFilter.ActorOf(http), request.Reason), cancellationToken).ConfigureAwait(false);
        return await AfterChangeAsync(registry, service, snapshot, skill, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Ok<SkillModels>> AfterChangeAsync(ModelRegistry registry, ISkillInferenceService service, RegistrySnapshot snapshot, string skill, CancellationToken cancellationToken)
    {
        // This instance serves the change now; the others pick it up at their next registry check.
        await service.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await DescribeAsync(registry, snapshot.Document, skill, service.Status.LiveVersions.GetValueOrDefault(skill), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<SkillModels> DescribeAsync(ModelRegistry registry, RegistryDocument document, string skill, string? live, CancellationToken cancellationToken)
    {
        var registration = document.Skills.GetValueOrDefault(skill);
        var versions = new List<ModelVersionDto>();
        foreach (var version in (await registry.ListVersionsAsync(skill, cancellationToken).ConfigureAwait(false)).Reverse())
        {
            var manifest = await registry.GetManifestAsync(skill, version.ToString(), cancellationToken).ConfigureAwait(false);
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

        var deployed = registration?.Deployed is { } d ? await registry.GetManifestAsync(skill, d, cancellationToken).ConfigureAwait(false) : null;
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
            Variants = registration?.Variants ?? [],
            Versions = versions,
            Features = features,
            History = registration?.History.Reverse().Take(20).ToArray() ?? [],
        };
    }

    private static Dictionary<string, string[]>? Validate(InferRequest? item, string prefix)
    {
        if (item is null)
        {
            return new() { [prefix.Length == 0 ? "$" : prefix.TrimEnd('.')] = ["The item must be an object with 'skill' and 'features'."] };
        }

        Dictionary<string, string[]>? errors = null;
        if (string.IsNullOrWhiteSpace(item.Skill))
        {
            (errors ??= [])[prefix + "skill"] = ["'skill' is required (e.g. \"collaboration\")."];
        }

        if (item.Features is null)
        {
            (errors ??= [])[prefix + "features"] = ["'features' is required: an object of feature name to number (null or absent = missing)."];
        }
        else if (item.Features.Count > MaxFeaturesPerItem)
        {
            (errors ??= [])[prefix + "features"] = [$"At most {MaxFeaturesPerItem} features may be sent."];
        }

        if (item.StudentId is { Length: > MaxStudentIdLength or 0 })
        {
            (errors ??= [])[prefix + "studentId"] = [$"'studentId' must be 1 to {MaxStudentIdLength} characters."];
        }

        return errors;
    }

    private static BatchItemError ToItemError(InferenceError error, string skill) => error.Kind switch
    {
        InferenceErrorKind.InvalidFeatures => new BatchItemError
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Invalid features",
            Detail = $"{error.FeatureErrors.Count} feature(s) do not satisfy the schema of skill '{skill}'.",
            Errors = error.FeatureErrors.GroupBy(e => $"features.{e.Feature}").ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
        },
        InferenceErrorKind.UnknownSkill => new BatchItemError { Status = StatusCodes.Status404NotFound, Title = "Unknown skill", Detail = error.Message },
        InferenceErrorKind.ExplanationUnavailable => new BatchItemError { Status = StatusCodes.Status422UnprocessableEntity, Title = "Explanation unavailable", Detail = error.Message },
        _ => new BatchItemError { Status = StatusCodes.Status503ServiceUnavailable, Title = "Model not loaded", Detail = error.Message },
    };
}
