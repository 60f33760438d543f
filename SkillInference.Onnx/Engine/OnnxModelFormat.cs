using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// Loads <c>onnx</c> bundles onto ONNX Runtime (the only engine for them, whatever <see cref="ScoringEngine"/> says).
/// The graph must take one float tensor <c>[N, features]</c> whose width equals the schema's feature count, and give
/// the positive class's probability in a float tensor output (see <see cref="OnnxSettings"/> for how it is chosen).
/// </summary>
internal sealed partial class OnnxModelFormat(ILogger<OnnxModelFormat>? logger = null) : IModelFormat
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public string Format => ModelFormats.Onnx;

    public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var what = $"The ONNX model of {bundle.Skill}@{bundle.Version}";
        var session = OnnxGraph.CreateSession(bundle.ModelBytes, what);
        OnnxScoringModel? model = null;
        try
        {
            var signature = OnnxGraph.Resolve(session, bundle.Schema.Count, bundle.Manifest.Onnx, what);
            model = new OnnxScoringModel(session, signature);

            // Fail at load, not on the first request, if the graph cannot run.
            model.Predict(new float[signature.FeatureCount]);
            LogLoaded(_logger, bundle.Skill, bundle.Manifest.Version, signature.InputName, signature.FeatureCount, signature.OutputName, signature.PositiveIndex);
            return model;
        }
        catch (OnnxRuntimeException ex)
        {
            Release(session, model);
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{what} cannot run on ONNX Runtime: {ex.Message}", innerException: ex);
        }
        catch
        {
            Release(session, model);
            throw;
        }
    }

    private static void Release(InferenceSession session, OnnxScoringModel? model)
    {
        if (model is null)
        {
            session.Dispose();
        }
        else
        {
            model.Dispose();
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "{Skill}@{Version} runs on ONNX Runtime: input {Input} [N, {FeatureCount}], probability from output {Output} column {PositiveIndex}")]
    private static partial void LogLoaded(ILogger logger, string skill, string version, string input, int featureCount, string output, int positiveIndex);
}
