// `import Graft` brings the whole toolkit: the engine, layers, models, weights, data and training.
@_exported import GraftCore
@_exported import GraftData
@_exported import GraftHub
@_exported import GraftIO
@_exported import GraftModels
@_exported import GraftNN
@_exported import GraftONNX
@_exported import GraftTrain
