using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using SkillInference.Bundles;
using SkillInference.Engines;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// Loads <c>onnx</c> bundles. The graph must take one float tensor <c>[N, features]</c> whose width equals the schema's
/// feature count, and give the positive class's probability in a float tensor output (see <see cref="OnnxSettings"/>
/// for how it is chosen). <see cref="ScoringEngine.Auto"/> and <see cref="ScoringEngine.Compiled"/> run it on ONNX
/// Runtime directly (<see cref="OnnxScoringModel"/>); <see cref="ScoringEngine.Reference"/> runs the same input and
/// output through ML.NET's OnnxTransformer (<see cref="MlNetOnnxScoringModel"/>).
/// </summary>
internal sealed partial class OnnxModelFormat(ILogger<OnnxModelFormat>? logger = null) : IModelFormat
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public string Format => ModelFormats.Onnx;

    public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var what = $"The ONNX model of {bundle.Skill}@{bundle.Version}";

        // Both engines feed and read the graph as ONNX Runtime's metadata says (OnnxGraph.Resolve), so they agree on
        // which input, which output and which column.
        var session = OnnxGraph.CreateSession(bundle.ModelBytes, what);
        OnnxSignature signature;
        try
        {
            signature = OnnxGraph.Resolve(session, bundle.Schema.Count, bundle.Manifest.Onnx, what);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        IScoringModel model;
        if (engine == ScoringEngine.Reference)
        {
            // ML.NET opens the graph itself.
            session.Dispose();
            model = MlNetOnnxScoringModel.Load(bundle.ModelBytes, signature, what);
        }
        else
        {
            model = new OnnxScoringModel(session, signature);
        }

        try
        {
            // Fail at load, not on the first request, if the graph cannot run.
            model.Predict(new float[signature.FeatureCount]);
        }
        catch (OnnxRuntimeException ex)
        {
            model.Dispose();
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{what} cannot run on ONNX Runtime: {ex.Message}", innerException: ex);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        LogLoaded(_logger, bundle.Skill, bundle.Manifest.Version, model.Engine, signature.InputName, signature.FeatureCount, signature.OutputName, signature.PositiveIndex);
        return model;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "{Skill}@{Version} runs on {Engine}: input {Input} [N, {FeatureCount}], probability from output {Output} column {PositiveIndex}")]
    private static partial void LogLoaded(ILogger logger, string skill, string version, string engine, string input, int featureCount, string output, int positiveIndex);
}
