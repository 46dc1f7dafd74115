// Datasets for calibration and evaluation: ImageFolder trees and the built-in MNIST digits, read lazily
// and preprocessed to a model's input; plus accuracy measurement over them.
export * from './dataset.ts';
export * from './input-spec.ts';
export * from './layout.ts';
export * from './resize.ts';
export * from './resize-pil.ts';
export * from './preprocess.ts';
export * from './decode-image.ts';
export * from './image-folder.ts';
export * from './mnist.ts';
export * from './open-dataset.ts';
export * from './calibration.ts';
export * from './accuracy.ts';
