using SkillInference.Loading;

namespace SkillInference.Routing;

/// <summary>
/// Sees each assignment the router makes for an identified student during an experiment (the sample-ratio-mismatch
/// check counts them). Called per item on the request path: it must be a counter increment, and must not throw. It
/// never receives the student id.
/// </summary>
internal interface IAssignmentObserver
{
    void OnAssigned(SkillServing serving, LoadedModel model);
}
