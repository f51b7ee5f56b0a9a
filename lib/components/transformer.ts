import { Construct } from 'constructs';
import { ComponentRolloutInput } from '../rollout/_component-revisions';
import { AuxiliaryComponent, AuxiliaryComponentProps, PredictorWiring } from './auxiliary-component';
import { ComponentContext } from './_resolve';
import { ComponentKind } from './_resolved';

/** A transformer: pre- and post-processing in front of the predictor (a custom container for now). */
export interface TransformerProps extends AuxiliaryComponentProps {}

/**
 * The transformer of an InferenceService: Knative Service `<isvc>-transformer`. The top-level route
 * sends predict traffic here, and the transformer calls the predictor.
 */
export class Transformer extends AuxiliaryComponent {
  /** @internal created by InferenceService */
  constructor(scope: Construct, id: string, props: TransformerProps, context: ComponentContext, predictor: PredictorWiring,
    rollout: ComponentRolloutInput) {
    super(scope, id, ComponentKind.TRANSFORMER, props, context, predictor, rollout, rollout.rollout?.transformer);
  }
}
