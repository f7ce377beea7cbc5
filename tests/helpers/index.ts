// The one door from bench/ into the test helpers: the service's environment (a database, a queue
// namespace, an image server of its own), its processes and their logs, and the images they serve.
// Benchmarks run the service exactly as the tests do.
export { startEnvironment, type EnvironmentOptions, type TestEnvironment } from './environment.ts'
export { serve, type Route } from './image-server.ts'
export { mainImage, photoJpeg } from './images.ts'
export { recordLogs, type Line, type LogRecorder } from './logs.ts'
export { freePort, waitForPort } from './ports.ts'
export { apiUrlOf, startCommand, startService, stopService, type ServiceProcess } from './service-process.ts'
