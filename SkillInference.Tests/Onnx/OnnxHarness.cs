using Microsoft.Extensions.DependencyInjection;
using SkillInference.Engines;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>The inference service built as an embedding app builds it with the ONNX package: <c>AddSkillInference(...).AddOnnx()</c>.</summary>
internal static class OnnxHarness
{
    public static Task<ServiceHarness> StartAsync(string storePath, ScoringEngine engine = ScoringEngine.Auto) =>
        ServiceHarness.StartAsync(storePath, services => new SkillInferenceBuilder(services).AddOnnx(), engine: engine);
}
